"""One login across the district site and its street sites (signed one-time links on localhost)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from django.test import Client

from tests.support import DEMO_TEST_PASSWORD, host_of


def _follow_go(client, target):
    response = client.get(f"/accounts/go/{target}/")
    assert response.status_code == 302
    url = urlparse(response["Location"])
    return url.netloc.split(":")[0], url.path, parse_qs(url.query)["t"][0]


def test_login_on_the_district_site_carries_the_user_to_a_street(street_a, users, db):
    district = Client(HTTP_HOST=host_of(None))
    assert (
        district.post(
            "/accounts/login/", {"username": "a_grid_worker", "password": DEMO_TEST_PASSWORD}
        ).status_code
        == 302
    )
    assert "甲街道" in district.get("/").content.decode()

    host, path, token = _follow_go(district, "ta")
    street = Client(HTTP_HOST=host)
    landed = street.get(path, {"t": token, "next": "/"})

    assert host == host_of(street_a) and landed.status_code == 302 and landed["Location"] == "/"
    assert street.get("/").status_code == 200


def test_a_sign_in_link_works_once_and_only_on_its_own_site(street_a, street_a2, users, db):
    district = Client(HTTP_HOST=host_of(None))
    district.force_login(users["district_admin"])
    host, path, token = _follow_go(district, "ta")

    wrong_site = Client(HTTP_HOST=host_of(street_a2))
    assert wrong_site.get(path, {"t": token}).status_code == 302
    assert wrong_site.get("/").status_code == 302  # still anonymous there: sent to login

    first, second = Client(HTTP_HOST=host), Client(HTTP_HOST=host)
    first.get(path, {"t": token})
    second.get(path, {"t": token})
    assert first.get("/").status_code == 200
    assert second.get("/")["Location"].startswith("/accounts/login/")


def test_no_link_to_a_street_the_user_does_not_belong_to(street_b, users, db):
    district = Client(HTTP_HOST=host_of(None))
    district.force_login(users["grid_worker"])

    assert district.get("/accounts/go/tb/").status_code == 404
    assert district.get("/accounts/go/nowhere/").status_code == 404


def test_a_forged_link_signs_nobody_in(street_a, db):
    street = Client(HTTP_HOST=host_of(street_a))

    response = street.get("/accounts/handoff/", {"t": "forged:token", "next": "https://evil.example/"})

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/")
    assert street.get("/").status_code == 302


def test_used_sign_in_links_are_forgotten_after_a_day(users, db):
    import datetime as dt

    from django.utils import timezone

    from core.audit.models import AuditEvent
    from tenants.handoff import login_handoffs_purge
    from tenants.models import LoginHandoff

    old = LoginHandoff.objects.create(nonce="a" * 32, user=users["grid_worker"], target="ta")
    LoginHandoff.objects.filter(pk=old.pk).update(used_at=timezone.now() - dt.timedelta(days=2))
    fresh = LoginHandoff.objects.create(nonce="b" * 32, user=users["grid_worker"], target="ta")

    assert login_handoffs_purge() == 1

    assert list(LoginHandoff.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert AuditEvent.objects.filter(action="login_handoff.purge", after__deleted=1).exists()


def test_signing_in_on_the_wrong_street_takes_the_user_to_their_own(street_a, street_a2, users, db):
    """Issue 12 §8: the password is right, the street is wrong: go to the user's street, and any
    page of the wrong street (still a 404) says where the user works instead of looping."""
    wrong = Client(HTTP_HOST=host_of(street_a))
    signed_in = wrong.post("/accounts/login/", {"username": users["staff_a2"].username, "password": DEMO_TEST_PASSWORD})

    assert signed_in.status_code == 302 and signed_in["Location"] == f"/accounts/go/{street_a2.slug}/"
    host, path, token = _follow_go(wrong, street_a2.slug)
    assert host == host_of(street_a2)
    page = wrong.get("/requests/")
    body = page.content.decode()
    assert page.status_code == 404
    assert f"您不是{street_a.name}的成员" in body and f"前往{street_a2.name}" in body
    assert f'href="/accounts/go/{street_a2.slug}/"' in body and 'href="/"' not in body.split('id="not-a-member"')[1]
    assert wrong.get("/api/v1/requests/").status_code in (401, 404)
