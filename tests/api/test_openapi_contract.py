"""The OpenAPI document is the contract: walk every documented operation of both sites and check that
a member gets a documented status code and, for JSON answers, a body of the documented shape (every
required field present, every value of its type). Writes are called with an empty body: they must
answer a documented status (a 400 in the error shape, or a documented success)."""

from __future__ import annotations

import copy
import io
import re

import pytest
from jsonschema import Draft202012Validator

from core.inspections.checklist import CHECKLIST
from core.inspections.models import Need, Problem, Visit
from core.rectification.models import RectificationEvidence
from tests.registry_places import make_household

METHODS = ("get", "post", "put", "patch", "delete")


def _jsonschema(node):
    """OpenAPI 3.0 schema -> JSON Schema (``nullable`` becomes a union with null)."""
    if isinstance(node, list):
        return [_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _jsonschema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def _validator(document: dict, schema: dict) -> Draft202012Validator:
    root = copy.deepcopy(_jsonschema(schema))
    root["components"] = {"schemas": _jsonschema(document.get("components", {}).get("schemas", {}))}
    return Draft202012Validator(root)


def _check(document, path, method, operation, response):
    documented = operation.get("responses", {})
    status = str(response.status_code)
    assert status in documented, (
        f"{method.upper()} {path} answered {status}, documented: {sorted(documented)} "
        f"{getattr(response, 'content', b'')[:300]!r}"
    )
    content = documented[status].get("content", {})
    if "application/json" in content and response.get("Content-Type", "").startswith("application/json"):
        schema = content["application/json"].get("schema")
        if schema:
            errors = sorted(_validator(document, schema).iter_errors(response.json()), key=str)
            assert not errors, f"{method.upper()} {path} -> {status}: {[e.message for e in errors[:5]]}"


def _fill(path: str, ids: dict[str, int]) -> str:
    def value(match):
        segment_before = path[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        return str(ids.get(match.group(1), ids.get(segment_before, 999999)))

    return re.sub(r"\{(\w+)\}", value, path)


def _walk(client, document, ids, *, writes: bool):
    checked = 0
    for path, operations in sorted(document["paths"].items()):
        for method in METHODS:
            if method not in operations or (method != "get") != writes:
                continue
            url = _fill(path, ids)
            if method == "get":
                response = client.get(url)
            else:
                response = getattr(client, method)(url, {}, format="json")
            _check(document, path, method, operations[method], response)
            checked += 1
    return checked


def _png():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    buffer.name = "evidence.png"
    buffer.seek(0)
    return buffer


@pytest.fixture
def street_world(org_a, web_client, api_client, users):
    household = make_household(org_a)
    person = household.persons.get()
    staff_web = web_client(org_a.office, users["street_staff"])
    visit_form = {
        "kind": "home",
        **{f"item_{i.code}": "ok" for i in CHECKLIST},
        "item_gas_safety": "hazard",
        "note_gas_safety": "软管老化",
        "need_type_0": "clothing",
        "quantity_0": "2",
    }
    assert staff_web.post(f"/households/{household.pk}/visit/", visit_form).status_code == 302
    api = api_client(org_a.office, users["street_staff"])
    request = api.post(
        "/api/v1/requests/",
        {
            "category": "heating",
            "description": "暖气不热",
            "requester_name": "王大妈",
            "community": org_a.c1.pk,
            "grid": org_a.g1.pk,
        },
        format="json",
    ).json()
    rectification = api.post(
        "/api/v1/rectifications/",
        {
            "source_type": "upstream",
            "source_note": "督查反馈第1条",
            "title": "楼道堆物",
            "community": org_a.c1.pk,
            "grid": org_a.g1.pk,
            "responsible_user_id": users["grid_worker"].pk,
        },
        format="json",
    ).json()
    evidence = api.post(
        f"/api/v1/rectifications/{rectification['id']}/evidence/",
        {"text": "已清理", "photo": _png()},
        format="multipart",
    ).json()
    return {
        "households": household.pk,
        "persons": person.pk,
        "visits": Visit.objects.get(household=household).pk,
        "needs": Need.objects.get(household=household).pk,
        "problems": Problem.objects.get(household=household).pk,
        "requests": request["id"],
        "rectifications": rectification["id"],
        "evidence_id": RectificationEvidence.objects.get(pk=evidence["id"]).pk,
        "communities": org_a.c1.pk,
        "grids": org_a.g1.pk,
        "buildings": org_a.b1.pk,
    }


def _document(client) -> dict:
    response = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    import json

    return json.loads(response.content)


def test_every_documented_street_operation_answers_as_documented(org_a, api_client, users, street_world):
    client = api_client(org_a.office, users["street_staff"])
    document = _document(client)

    read = _walk(client, document, street_world, writes=False)
    written = _walk(client, document, street_world, writes=True)

    assert read >= 25 and written >= 20, (read, written)


def test_every_documented_district_operation_answers_as_documented(api_client, users):
    client = api_client(None, users["district_admin"])
    document = _document(client)
    assert _walk(client, document, {}, writes=False) >= 5
    assert _walk(client, document, {}, writes=True) >= 3


def test_request_bodies_document_every_field_with_an_example(org_a, api_client, users):
    document = _document(api_client(org_a.office, users["street_staff"]))
    schemas = document["components"]["schemas"]
    person_in = schemas["PersonInRequest"] if "PersonInRequest" in schemas else schemas["PersonIn"]
    assert "id_number" in person_in["properties"]
    assert person_in["properties"]["id_number"]["example"] == "140402194501018035"
    create = document["paths"]["/api/v1/persons/"]["post"]["requestBody"]["content"]["application/json"]
    assert create["schema"]["$ref"].endswith(("/PersonInRequest", "/PersonIn"))
    missing = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                schema = media["schema"]
                if "$ref" in schema:
                    schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
                for name, prop in schema.get("properties", {}).items():
                    if not prop.get("readOnly") and "example" not in prop:
                        missing.append(f"{method.upper()} {path} {name}")
    assert missing == []
    error = document["paths"]["/api/v1/requests/{id}/reopen/"]["post"]["responses"]["400"]
    assert error["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
