"""/api/v1/visits/ as multipart/form-data with photos, and photo downloads scoped like the visit."""

from __future__ import annotations

import io
import json

import pytest

from core.deadlines.models import Clock
from core.inspections.models import Need, Problem, Visit, VisitItem, VisitPhoto
from tests.registry_places import full_items, make_household


def _png(name="stove.png", color="red") -> io.BytesIO:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, "PNG")
    buffer.name = name
    buffer.seek(0)
    return buffer


def _document(household, **overrides) -> dict:
    return {
        "household": household.pk,
        "kind": "home",
        "items": full_items(gas_safety="hazard"),
        "needs": [{"need_type": "clothing", "quantity": 2, "urgency": "urgent"}],
        **overrides,
    }


def _files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _counts() -> tuple[int, ...]:
    return (
        Visit.objects.count(),
        VisitItem.objects.count(),
        VisitPhoto.objects.count(),
        Need.objects.count(),
        Problem.objects.count(),
        Clock.objects.count(),
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_multipart_visit_saves_visit_and_photo_and_lists_a_download_url(org_a, api_client, users, media):
    household = make_household(org_a)
    client = api_client(org_a.office, users["grid_worker"])
    sent = _png()
    raw = sent.getvalue()

    response = client.post(
        "/api/v1/visits/",
        {"payload": json.dumps(_document(household)), "photos": [sent]},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["items"]) == 11 and len(body["needs"]) == 1 and len(body["problems"]) == 1
    assert len(body["photos"]) == 1
    visit = Visit.objects.get(pk=body["id"])
    assert visit.photos.count() == 1 and len(_files(media)) == 1
    url = body["photos"][0]["url"]
    assert url.endswith(f"/api/v1/visits/{visit.pk}/photos/{body['photos'][0]['id']}/")

    download = client.get(url, HTTP_ACCEPT="image/png")
    assert download.status_code == 200
    # Re-encoded by the upload kit (core.uploads): the same picture, as a fresh JPEG without metadata.
    assert download["Content-Type"] == "image/jpeg"
    from PIL import Image

    served = Image.open(io.BytesIO(b"".join(download.streaming_content)))
    assert served.format == "JPEG" and served.size == Image.open(io.BytesIO(raw)).size
    detail = client.get(f"/api/v1/visits/{visit.pk}/").json()
    assert detail["photos"] == body["photos"]


def test_two_photos_in_one_request(org_a, api_client, users, media):
    household = make_household(org_a)
    response = api_client(org_a.office, users["grid_worker"]).post(
        "/api/v1/visits/",
        {"payload": json.dumps(_document(household)), "photos": [_png("a.png"), _png("b.png", "blue")]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert len(response.json()["photos"]) == 2 and len(_files(media)) == 2


@pytest.mark.parametrize(
    "photo_name,content,key",
    [
        ("evil.png", b"not a picture at all", "photos"),  # claims to be a PNG, is not one
        ("notes.txt", b"plain text", "photos"),
    ],
)
def test_bad_photo_is_400_and_nothing_saved(org_a, api_client, users, media, photo_name, content, key):
    household = make_household(org_a)
    fake = io.BytesIO(content)
    fake.name = photo_name
    before, files_before = _counts(), _files(media)

    response = api_client(org_a.office, users["grid_worker"]).post(
        "/api/v1/visits/",
        {"payload": json.dumps(_document(household)), "photos": [_png(), fake]},
        format="multipart",
    )

    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "invalid" and key in payload["details"], payload
    assert photo_name in " ".join(payload["details"][key])
    assert _counts() == before
    assert _files(media) == files_before


def test_too_large_photo_is_400_and_nothing_saved(org_a, api_client, users, media, monkeypatch):
    from core.inspections import services

    monkeypatch.setattr(services, "MAX_PHOTO_BYTES", 50)  # a real PNG of 8x8 pixels is larger than that
    household = make_household(org_a)
    before = _counts()

    response = api_client(org_a.office, users["grid_worker"]).post(
        "/api/v1/visits/",
        {"payload": json.dumps(_document(household)), "photos": [_png()]},
        format="multipart",
    )

    assert response.status_code == 400
    assert "超过" in " ".join(response.json()["details"]["photos"])
    assert _counts() == before and _files(media) == []


@pytest.mark.parametrize("payload", [None, "{not json", "[1, 2]"])
def test_missing_or_broken_payload_is_400(org_a, api_client, users, media, payload):
    make_household(org_a)
    before = _counts()
    data = {"photos": [_png()]} | ({"payload": payload} if payload is not None else {})

    response = api_client(org_a.office, users["grid_worker"]).post(
        "/api/v1/visits/", data, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "payload" in response.json()["details"]
    assert _counts() == before and _files(media) == []


def test_multipart_payload_is_validated_like_json(org_a, api_client, users, media):
    household = make_household(org_a)
    document = _document(household)
    document["items"].pop()
    before = _counts()

    response = api_client(org_a.office, users["grid_worker"]).post(
        "/api/v1/visits/", {"payload": json.dumps(document), "photos": [_png()]}, format="multipart"
    )

    assert response.status_code == 400
    assert any(k.startswith("items") for k in response.json()["details"])
    assert _counts() == before and _files(media) == []


def test_member_of_another_grid_or_street_cannot_fetch_the_photo(org_a, api_client, web_client, users, media):
    household = make_household(org_a, grid=org_a.g2)
    staff = api_client(org_a.office, users["street_staff"])
    body = staff.post(
        "/api/v1/visits/",
        {"payload": json.dumps(_document(household)), "photos": [_png()]},
        format="multipart",
    ).json()
    url = f"/api/v1/visits/{body['id']}/photos/{body['photos'][0]['id']}/"
    assert staff.get(url).status_code == 200

    assert api_client(org_a.office, users["grid_worker"]).get(url).status_code == 404  # grid G1, visit in G2
    assert api_client(org_a.office, users["staff_b"]).get(url).status_code == 404  # another street
    web_url = f"/visits/{body['id']}/photos/{body['photos'][0]['id']}/"
    assert web_client(org_a.office, users["street_staff"]).get(web_url).status_code == 200
    assert web_client(org_a.office, users["grid_worker"]).get(web_url).status_code == 404


def test_photo_of_another_visit_is_404_through_this_visit(org_a, api_client, users, media):
    staff = api_client(org_a.office, users["street_staff"])
    first = staff.post(
        "/api/v1/visits/",
        {"payload": json.dumps(_document(make_household(org_a))), "photos": [_png()]},
        format="multipart",
    ).json()
    second = staff.post("/api/v1/visits/", _document(make_household(org_a)), format="json").json()

    assert staff.get(f"/api/v1/visits/{second['id']}/photos/{first['photos'][0]['id']}/").status_code == 404


def test_json_visit_is_unchanged_and_has_no_photos(org_a, api_client, users, media):
    household = make_household(org_a)
    response = api_client(org_a.office, users["grid_worker"]).post(
        "/api/v1/visits/", _document(household), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["photos"] == [] and len(response.json()["items"]) == 11
    assert _files(media) == []


def test_schema_documents_multipart_visit_and_photo_download(org_a, api_client, users):
    schema = api_client(org_a.office, users["street_staff"]).get("/api/schema/", {"format": "json"}).json()
    content = schema["paths"]["/api/v1/visits/"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(content)
    assert "/api/v1/visits/{id}/photos/{photo_id}/" in schema["paths"]
