"""Login protection (issue 10 §4): one protection for the web form and the API, counted in the
database across the live server's two processes, strict per account, generous per address,
visible and liftable, audited; Argon2 with old hashes upgraded on login."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings

from tests.support import DEMO_TEST_PASSWORD

HOST = "localhost"  # the district site; its login form and token endpoint


@pytest.fixture
def accounts(django_db_blocker, live_url):
    """Fresh committed accounts (the live server only sees committed rows); removed afterwards."""
    from axes.models import AccessAttempt, AccessFailureLog

    from tenants.models import User
    from tenants.services import user_create

    prefix = f"lg{uuid.uuid4().hex[:6]}"
    made: list[str] = []

    def make(count: int = 1) -> list[str]:
        names = [f"{prefix}_{len(made) + i}" for i in range(count)]
        with django_db_blocker.unblock():
            for name in names:
                user_create(username=name, password=DEMO_TEST_PASSWORD, full_name=name)
        made.extend(names)
        return names

    yield make
    with django_db_blocker.unblock():
        AccessAttempt.objects.filter(username__startswith=prefix).delete()
        AccessFailureLog.objects.filter(username__startswith=prefix).delete()
        AccessAttempt.objects.filter(username="").delete()
        User.objects.filter(username__startswith=prefix).delete()


def _base(live_url: str) -> str:
    return "http://127.0.0.1:" + live_url.rsplit(":", 1)[1]


def api_login(live_url: str, username: str, password: str, **headers) -> requests.Response:
    return requests.post(
        _base(live_url) + "/api/v1/auth/token/",
        json={"username": username, "password": password},
        headers={"Host": f"{HOST}:{live_url.rsplit(':', 1)[1]}", **headers},
        timeout=60,
    )


def web_login(live_url: str, username: str, password: str) -> requests.Response:
    port = live_url.rsplit(":", 1)[1]
    session = requests.Session()
    headers = {"Host": f"{HOST}:{port}", "Referer": f"http://{HOST}:{port}/accounts/login/"}
    page = session.get(_base(live_url) + "/accounts/login/", headers=headers, timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(
        _base(live_url) + "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers=headers,
        allow_redirects=False,
        timeout=60,
    )


@pytest.mark.django_db(transaction=False)
def test_parallel_wrong_passwords_lock_the_account_for_web_and_api_across_processes(live_url, accounts):
    [victim] = accounts(1)
    limit = settings.NUANDONG_LOGIN_ACCOUNT_LIMIT

    # Truly simultaneous guesses, spread over both gunicorn processes, through web and API, each
    # claiming another X-Forwarded-For (not a trusted proxy: ignored).
    def guess(i: int) -> int:
        if i % 2:
            return web_login(live_url, victim, f"wrong-{i}").status_code
        return api_login(live_url, victim, f"wrong-{i}", **{"X-Forwarded-For": f"10.0.{i}.1"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(guess, range(limit * 3)))

    assert codes.count(429) >= 1, codes
    # The right password no longer signs in, on either door.
    api = api_login(live_url, victim, DEMO_TEST_PASSWORD)
    web = web_login(live_url, victim, DEMO_TEST_PASSWORD)
    assert api.status_code == 429 and api.json()["code"] == "locked_out"
    assert web.status_code == 429 and "账号已暂时锁定" in web.text


def test_colleagues_behind_one_office_address_are_not_locked_out_by_each_other(live_url, accounts):
    colleagues = accounts(20)

    def one_typo_then_right(name: str) -> int:
        api_login(live_url, name, "typo")
        return api_login(live_url, name, DEMO_TEST_PASSWORD).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(one_typo_then_right, colleagues))

    assert codes == [200] * 20


def test_a_lockout_is_visible_liftable_by_street_staff_and_audited(live_url, accounts, web_client, users, street_a):
    from axes.models import AccessAttempt

    from core.audit.models import AuditEvent
    from tenants.models import Membership, User

    [locked] = accounts(1)
    for i in range(settings.NUANDONG_LOGIN_ACCOUNT_LIMIT):
        api_login(live_url, locked, f"wrong-{i}")
    assert api_login(live_url, locked, DEMO_TEST_PASSWORD).status_code == 429
    assert AccessAttempt.objects.filter(username=locked).exists()  # committed by the live server
    Membership.objects.create(user=User.objects.get(username=locked), role="grid_worker", street_office=street_a)
    door = web_client(None, None)
    assert door.post("/accounts/login/", {"username": locked, "password": DEMO_TEST_PASSWORD}).status_code == 429

    staff = web_client(street_a, users["street_staff"])
    page = staff.get("/accounts/lockouts/")
    assert page.status_code == 200 and locked in page.content.decode()
    assert web_client(street_a, users["grid_worker"]).get("/accounts/lockouts/").status_code == 403
    assert web_client(street_a, users["street_staff"]).post("/accounts/lockouts/", {"username": "qu_admin"}).status_code == 404
    lifted = staff.post("/accounts/lockouts/", {"username": locked})

    assert lifted.status_code == 302
    assert AuditEvent.objects.filter(action="login.lockout_lifted", object_id=locked).exists()
    from nuandong.login_guard import lockouts_for

    assert lockouts_for([locked]) == []
    # The door opens again (in this process: the lift is not committed before the test ends).
    assert door.post("/accounts/login/", {"username": locked, "password": DEMO_TEST_PASSWORD}).status_code == 302


def test_argon2_hashes_new_passwords_and_upgrades_old_ones_on_login(db, rf):
    from django.contrib.auth import authenticate
    from django.contrib.auth.hashers import make_password

    from tenants.models import User

    user = User.objects.create(username=f"hash{uuid.uuid4().hex[:6]}", password=make_password("Old-Pass-2026", hasher="pbkdf2_sha256"))
    assert user.password.startswith("pbkdf2_sha256$")

    request = rf.post("/accounts/login/", REMOTE_ADDR="192.0.2.1")
    assert authenticate(request, username=user.username, password="Old-Pass-2026") is not None
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


def test_forwarded_addresses_are_believed_only_from_configured_proxies(rf, settings):
    from nuandong.login_guard import client_ip

    request = rf.get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    settings.NUANDONG_TRUSTED_PROXIES = []
    assert client_ip(request) == "203.0.113.7"
    settings.NUANDONG_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request) == "203.0.113.7"  # not from a trusted proxy
    proxied = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9, 10.2.2.2")
    assert client_ip(proxied) == "198.51.100.9"  # right-most hop that is not one of ours
