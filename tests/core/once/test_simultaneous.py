"""Truly simultaneous double submissions against the live server (gunicorn, 2 workers x 4 threads).

Each test fires its requests from threads released by one barrier, then counts rows.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from tests.live_http import LiveClient, simultaneously
from tests.registry_places import new_id
from tests.support import DEMO_TEST_PASSWORD


@pytest.fixture
def live(committed_place, live_url, django_db_blocker):
    with django_db_blocker.unblock():
        host = committed_place.office.domains.get(is_primary=True).domain
    yield lambda: LiveClient(live_url, host)
    with django_db_blocker.unblock():
        committed_place.cleanup()


def _api(live, place, django_db_blocker, role="street_staff") -> LiveClient:
    from rest_framework.authtoken.models import Token

    with django_db_blocker.unblock():
        token, _ = Token.objects.get_or_create(user=place.users[role])
    client = live()
    client.headers["Authorization"] = f"Token {token.key}"
    return client


def test_request_form_posted_twice_at_once_makes_one_request_with_three_clocks(
    live, committed_place, django_db_blocker
):
    place = committed_place
    browser = live()
    browser.login(place.users["street_staff"].username, DEMO_TEST_PASSWORD)
    page = browser.call("GET", "/requests/new/")
    assert page.status == 200
    form = {
        "csrfmiddlewaretoken": page.hidden("csrfmiddlewaretoken"),
        "_once": page.hidden("_once"),
        "channel": "hotline",
        "category": "heating",
        "requester_name": "周大爷",
        "requester_phone": "13912345678",
        "community": str(place.community_id),
        "grid": str(place.grid_id),
        "description": "暖气片不热，按了两次提交",
    }

    first, second = simultaneously(
        lambda: browser.call("POST", "/requests/new/", form=form),
        lambda: browser.call("POST", "/requests/new/", form=form),
    )

    assert first.status == second.status == 302, (first.text[:300], second.text[:300])
    assert first.headers["location"] == second.headers["location"]  # the second press shows the first result
    with django_db_blocker.unblock(), tenant_context(place.office):
        from core.deadlines.models import Clock
        from core.requests.models import CitizenRequest

        requests = list(CitizenRequest.objects.all())
        assert len(requests) == 1
        assert first.headers["location"].rstrip("/").endswith(f"/requests/{requests[0].pk}")
        assert Clock.objects.filter(subject_id=requests[0].pk).count() == 3
    connection.set_schema_to_public()


def test_same_new_id_registered_twice_at_once_gives_one_person_and_the_duplicate_message(
    live, committed_place, django_db_blocker
):
    from core.registry.models import Household, Person
    from tenants.models import IdHashClaim

    place = committed_place
    with django_db_blocker.unblock(), tenant_context(place.office):
        household = Household.objects.create(
            community_id=place.community_id, grid_id=place.grid_id, address="同时路1号"
        )
    connection.set_schema_to_public()
    number = new_id()
    body = {"household": household.pk, "name": "赵同时", "id_number": number}
    client = _api(live, place, django_db_blocker)
    try:
        answers = simultaneously(
            lambda: client.call("POST", "/api/v1/persons/", json=body),
            lambda: client.call("POST", "/api/v1/persons/", json=body),
        )
        statuses = sorted(a.status for a in answers)
        assert statuses == [201, 400], [a.text[:300] for a in answers]
        refused = next(a for a in answers if a.status == 400).json()
        assert refused["code"] == "invalid"
        assert refused["details"]["id_number"][0].startswith("该身份证号已登记：赵同时")
        with django_db_blocker.unblock(), tenant_context(place.office):
            assert Person.objects.filter(household=household).count() == 1
    finally:
        with django_db_blocker.unblock():
            with tenant_context(place.office):
                Person.objects.filter(household=household).delete()
                household.delete()
            IdHashClaim.objects.filter(street_office=place.office).delete()
        connection.set_schema_to_public()


def test_same_idempotency_key_twice_at_once_does_the_work_once_and_answers_alike(
    live, committed_place, django_db_blocker
):
    place = committed_place
    client = _api(live, place, django_db_blocker)
    key = str(uuid.uuid4())
    body = {"channel": "hotline", "category": "heating", "description": "重试的诉求", "requester_name": "王大妈",
            "community": place.community_id, "grid": place.grid_id}

    answers = simultaneously(*[
        (lambda: client.call("POST", "/api/v1/requests/", json=body, headers={"Idempotency-Key": key}))
        for _ in range(3)
    ])

    assert [a.status for a in answers] == [201, 201, 201], [a.text[:300] for a in answers]
    assert len({a.body for a in answers}) == 1
    assert sorted(a.headers.get("idempotent-replayed", "") for a in answers) == ["", "true", "true"]
    pk = answers[0].json()["id"]
    with django_db_blocker.unblock(), tenant_context(place.office):
        from core.requests.models import CitizenRequest, RequestEvent

        assert CitizenRequest.objects.count() == 1
    connection.set_schema_to_public()

    # A step action retried at once with one key: one "responded" event, one answer.
    step_key = str(uuid.uuid4())
    answers = simultaneously(*[
        (lambda: client.call("POST", f"/api/v1/requests/{pk}/respond/", json={"note": "已联系"},
                             headers={"Idempotency-Key": step_key}))
        for _ in range(2)
    ])
    assert [a.status for a in answers] == [200, 200], [a.text[:300] for a in answers]
    assert answers[0].body == answers[1].body
    with django_db_blocker.unblock(), tenant_context(place.office):
        assert RequestEvent.objects.filter(request_id=pk, step="responded").count() == 1
    connection.set_schema_to_public()


def test_same_household_number_registered_twice_at_once_gives_one_household_and_its_message(
    live, committed_place, django_db_blocker
):
    from core.registry.models import Household

    place = committed_place
    number = f"HH-RACE-{uuid.uuid4().hex[:8]}"
    body = {"number": number, "community": place.community_id, "grid": place.grid_id, "address": "同时路2号"}
    client = _api(live, place, django_db_blocker)
    try:
        answers = simultaneously(*[(lambda: client.call("POST", "/api/v1/households/", json=body)) for _ in range(3)])
        assert sorted(a.status for a in answers) == [201, 400, 400], [a.text[:300] for a in answers]
        for refused in (a.json() for a in answers if a.status == 400):
            assert refused["details"]["number"][0].startswith("户编号")
        with django_db_blocker.unblock(), tenant_context(place.office):
            assert Household.objects.filter(number=number).count() == 1
    finally:
        with django_db_blocker.unblock(), tenant_context(place.office):
            Household.objects.filter(number=number).delete()
        connection.set_schema_to_public()
