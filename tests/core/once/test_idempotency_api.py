"""Idempotency-Key on API POSTs: replay, reuse with another body, errors not kept, scope, expiry, schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.once.models import OnceKey


def _body(place, **extra) -> dict:
    return {"channel": "hotline", "category": "heating", "description": "家里暖气不热", "requester_name": "王大妈",
            "community": place.community.pk, "grid": place.grid.pk} | extra


def _post(client, path, body, key):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_same_key_and_body_replays_the_first_answer_without_new_work(place, api_client):
    from core.deadlines.models import Clock
    from core.requests.models import CitizenRequest

    staff = api_client(place.office, place.users["street_staff"])
    first = _post(staff, "/api/v1/requests/", _body(place), "k-1")
    again = _post(staff, "/api/v1/requests/", _body(place), "k-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert CitizenRequest.objects.count() == 1 and Clock.objects.count() == 3
    # Without a key every POST is its own request.
    assert staff.post("/api/v1/requests/", _body(place), format="json").status_code == 201
    assert CitizenRequest.objects.count() == 2


def test_same_key_with_another_body_is_422_and_does_nothing(place, api_client):
    from core.requests.models import CitizenRequest

    staff = api_client(place.office, place.users["street_staff"])
    _post(staff, "/api/v1/requests/", _body(place), "k-2")
    other = _post(staff, "/api/v1/requests/", _body(place, requester_name="李大爷"), "k-2")
    elsewhere = _post(staff, f"/api/v1/requests/{CitizenRequest.objects.get().pk}/respond/", {"note": "x"}, "k-2")

    assert other.status_code == elsewhere.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert set(other.json()) == {"code", "message", "details"}
    assert CitizenRequest.objects.count() == 1
    assert CitizenRequest.objects.get().status == "received"


def test_an_error_answer_is_not_kept_and_the_key_stays_usable(place, api_client):
    from core.requests.models import CitizenRequest

    staff = api_client(place.office, place.users["street_staff"])
    refused = _post(staff, "/api/v1/requests/", _body(place, requester_name=""), "k-3")
    assert refused.status_code == 400 and not OnceKey.objects.filter(key="k-3").exists()
    fixed = _post(staff, "/api/v1/requests/", _body(place), "k-3")
    assert fixed.status_code == 201 and CitizenRequest.objects.count() == 1


def test_step_actions_take_the_key_too(place, api_client):
    from core.requests.models import RequestEvent

    staff = api_client(place.office, place.users["street_staff"])
    pk = staff.post("/api/v1/requests/", _body(place), format="json").json()["id"]
    answers = [_post(staff, f"/api/v1/requests/{pk}/respond/", {"note": "已联系"}, "step-1") for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert RequestEvent.objects.filter(request_id=pk, step="responded").count() == 1


def test_keys_are_per_user_and_expire(place, api_client):
    from core.requests.models import CitizenRequest

    staff = api_client(place.office, place.users["street_staff"])
    director = api_client(place.office, place.users["community_director"])
    _post(staff, "/api/v1/requests/", _body(place), "shared")
    assert _post(director, "/api/v1/requests/", _body(place), "shared").status_code == 201
    assert CitizenRequest.objects.count() == 2

    OnceKey.objects.filter(key="shared").update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _post(staff, "/api/v1/requests/", _body(place), "shared").status_code == 201
    assert CitizenRequest.objects.count() == 3
    assert OnceKey.objects.get(key="shared", user_id=place.users["street_staff"].pk).expires_at > timezone.now()


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "中文键"])
def test_a_malformed_key_is_a_clear_400(place, api_client, key):
    staff = api_client(place.office, place.users["street_staff"])
    answer = _post(staff, "/api/v1/requests/", _body(place), key)
    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.json()["details"]


def test_district_site_keys_live_in_the_public_schema_scoped_by_district(world, api_client):
    from django.db import connection

    from core.campaigns.models import CalendarDay

    admin = api_client(None, world.users["district_admin"])
    body = {"date": "2031-10-09", "kind": "holiday", "name": "测试假日"}
    first = _post(admin, "/api/v1/campaigns/calendar/", body, "d-1")
    again = _post(admin, "/api/v1/campaigns/calendar/", body, "d-1")
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert CalendarDay.objects.filter(date="2031-10-09").count() == 1
    connection.set_schema_to_public()
    stored = OnceKey.objects.get(key="d-1")
    assert stored.scope == world.users["district_admin"].memberships.get().district.code


@pytest.mark.parametrize("site", ["street", "district"])
def test_every_post_operation_documents_the_header(world, api_client, site):
    office = world.street_a if site == "street" else None
    user = world.users["street_staff"] if site == "street" else world.users["district_admin"]
    schema = api_client(office, user).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    posts = [(path, ops["post"]) for path, ops in schema["paths"].items() if "post" in ops]
    assert posts
    for path, op in posts:
        if path.endswith("/auth/token/"):
            continue  # signing in is not on the API base class: nothing to retry safely there
        names = [p["name"] for p in op.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in names, path
        assert "422" in op["responses"], path
