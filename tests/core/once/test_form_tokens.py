"""One-time form tokens: every POST form carries one; a second press shows the first result."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

from core.once.models import OnceKey

TOKEN = re.compile(r'name="_once" value="([A-Za-z0-9_-]+)"')


def _token(response) -> str:
    found = TOKEN.findall(response.content.decode())
    assert found, "the page's POST form carries no one-time token"
    return found[0]


@pytest.mark.parametrize("path", [
    "/requests/new/", "/households/new/", "/rectifications/new/", "/org/communities/new/", "/org/grids/new/",
    "/org/buildings/new/", "/households/import/",
])
def test_every_creating_form_of_the_street_carries_a_fresh_token(place, web_client, path):
    staff = web_client(place.office, place.users["street_staff"])
    first, second = staff.get(path), staff.get(path)
    assert first.status_code == 200
    assert _token(first) != _token(second)


def test_district_forms_carry_a_token_and_the_login_form_none(world, web_client):
    admin = web_client(None, world.users["district_admin"])
    assert _token(admin.get("/streets/new/"))
    assert not TOKEN.search(web_client(None, None).get("/accounts/login/").content.decode())


def _request_form(place, token: str, **extra) -> dict:
    return {"_once": token, "channel": "hotline", "category": "heating", "requester_name": "周大爷",
            "community": place.community.pk, "grid": place.grid.pk, "description": "暖气不热"} | extra


def test_second_press_of_the_request_form_shows_the_first_result(place, web_client):
    from core.requests.models import CitizenRequest

    staff = web_client(place.office, place.users["street_staff"])
    token = _token(staff.get("/requests/new/"))

    first = staff.post("/requests/new/", _request_form(place, token))
    second = staff.post("/requests/new/", _request_form(place, token))

    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert CitizenRequest.objects.count() == 1
    assert "此表单已提交过，以下是第一次提交的结果" in [str(m) for m in get_messages(second.wsgi_request)]
    stored = OnceKey.objects.get(key=token)
    assert (stored.kind, stored.user_id, stored.location) == ("form", place.users["street_staff"].pk, first["Location"])


def test_a_refused_form_keeps_its_token_for_the_corrected_submission(place, web_client):
    from core.requests.models import CitizenRequest

    staff = web_client(place.office, place.users["street_staff"])
    token = _token(staff.get("/requests/new/"))

    refused = staff.post("/requests/new/", _request_form(place, token, requester_name=""))
    assert refused.status_code == 200 and CitizenRequest.objects.count() == 0
    assert not OnceKey.objects.filter(key=token).exists()

    accepted = staff.post("/requests/new/", _request_form(place, token))
    assert accepted.status_code == 302 and CitizenRequest.objects.count() == 1


def test_second_press_of_the_household_form_registers_one_household(place, web_client):
    from core.registry.models import Household

    staff = web_client(place.office, place.users["street_staff"])
    token = _token(staff.get("/households/new/"))
    form = {"_once": token, "number": "HH-ONCE-1", "community": place.community.pk, "grid": place.grid.pk,
            "address": "和平路1号"}

    answers = [staff.post("/households/new/", form) for _ in range(2)]

    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"]
    assert Household.objects.filter(number="HH-ONCE-1").count() == 1


def test_a_token_is_the_users_own(place, web_client):
    """Another user's press with the same token is that user's own first submission."""
    from core.requests.models import CitizenRequest

    staff = web_client(place.office, place.users["street_staff"])
    leader = web_client(place.office, place.users["community_director"])
    token = _token(staff.get("/requests/new/"))
    staff.post("/requests/new/", _request_form(place, token))
    leader.post("/requests/new/", _request_form(place, token))
    assert CitizenRequest.objects.count() == 2


def test_expired_tokens_are_purged(place, web_client):
    import datetime as dt

    from django.utils import timezone

    from core.once.tasks import once_purge_everywhere

    staff = web_client(place.office, place.users["street_staff"])
    token = _token(staff.get("/requests/new/"))
    staff.post("/requests/new/", _request_form(place, token))
    OnceKey.objects.filter(key=token).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert once_purge_everywhere() >= 1
    from django_tenants.utils import schema_context

    with schema_context(place.office.schema_name):
        assert not OnceKey.objects.filter(key=token).exists()
