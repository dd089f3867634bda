"""Odd input never reaches the database: NUL and lone surrogates are refused (400) in one place, for
query parameters, form fields and JSON bodies; unknown /api/ paths answer the JSON error shape on
both sites."""

import json

import pytest

from core.requests.models import CitizenRequest
from tests.registry_places import make_household

NUL_QUERIES = ["/api/v1/requests/", "/requests/", "/households/", "/api/v1/households/", "/needs/"]


@pytest.mark.parametrize("url", NUL_QUERIES)
def test_nul_in_a_query_parameter_is_a_400_not_a_500(org_a, web_client, users, url):
    make_household(org_a)
    client = web_client(org_a.office, users["street_staff"])

    response = client.get(url, {"q": "\x00"})

    assert response.status_code == 400
    if url.startswith("/api/"):
        body = response.json()
        assert body["code"] == "invalid_characters" and body["details"] == {
            "query.q": [body["details"]["query.q"][0]]
        }
        assert "NUL" in body["message"]
    else:
        assert "无法保存的字符" in response.content.decode()


def test_request_form_household_search_with_nul_is_a_400(org_a, web_client, users):
    client = web_client(org_a.office, users["street_staff"])
    response = client.get("/requests/new/", {"household_q": "\x00", "q": "\x00"})
    assert response.status_code == 400 and "无法保存的字符" in response.content.decode()


def test_nul_in_a_form_field_is_refused_and_nothing_is_saved(org_a, web_client, users):
    client = web_client(org_a.office, users["street_staff"])
    before = CitizenRequest.objects.count()
    response = client.post("/requests/new/", {"summary": "供暖\x00不热", "caller_name": "张三"})
    assert response.status_code == 400 and "无法保存的字符" in response.content.decode()
    assert CitizenRequest.objects.count() == before


@pytest.mark.parametrize(
    "document,field",
    [
        ({"summary": "a\u0000b"}, "body.summary"),
        ({"summary": "ok", "tags": ["x", "\ud800"]}, "body.tags.1"),
        ({"nested": {"k\u0000": 1}}, "body.nested.k\ufffd"),
    ],
)
def test_nul_or_lone_surrogate_in_a_json_body_is_a_structured_400(org_a, api_client, users, document, field):
    client = api_client(org_a.office, users["street_staff"])
    before = CitizenRequest.objects.count()

    response = client.post("/api/v1/requests/", data=json.dumps(document), content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters" and field in response.json()["details"]
    assert CitizenRequest.objects.count() == before


def test_clean_json_with_emoji_pairs_passes_the_guard(org_a, api_client, users):
    client = api_client(org_a.office, users["street_staff"])
    response = client.get("/api/v1/requests/", {"q": "暖😀"})
    assert response.status_code == 200


@pytest.mark.parametrize("site", ["district", "street"])
def test_unknown_api_paths_answer_the_json_error_shape(org_a, web_client, api_client, users, site):
    if site == "district":
        client = api_client(None, users["district_admin"])
    else:
        client = api_client(org_a.office, users["street_staff"])
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"code": "not_found", "message": "未找到 / not found", "details": {}}
