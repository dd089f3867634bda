"""API keys: hashed at rest, scopes within the creator's role, expiry, revocation, the key's own site,
IP allowlist, a per-key rate limit (429 + Retry-After), Idempotency-Key, and the audit of their use."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from core.audit.models import AuditEvent
from core.integrations.models import ApiKey
from core.requests.models import CitizenRequest
from tests.api.test_requests_api import create as create_request


def test_the_secret_is_stored_only_as_its_hash(place, make_key):
    full = make_key(place.office, place.users["street_staff"], ["requests:read"])

    prefix, secret = full.split(".", 1)
    key = ApiKey.objects.get(prefix=prefix)
    assert len(secret) >= 40
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiKey.objects.filter(pk=key.pk).values().first())


def test_a_key_reads_within_its_scope_and_is_refused_outside(place, make_key, key_client):
    client = key_client(place.office, make_key(place.office, place.users["street_staff"], ["requests:read"]))
    before = CitizenRequest.objects.count()

    assert client.get("/api/v1/requests/").status_code == 200
    refused = client.get("/api/v1/households/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert "households:read" in refused.json()["message"]
    # writing needs requests:write even though the creator (street staff) may write
    assert create_request(client, place).status_code == 403
    assert CitizenRequest.objects.count() == before


def test_a_key_never_does_more_than_its_creators_role(place, make_key, key_client):
    staff_key = make_key(place.office, place.users["street_staff"], ["requests:write"])
    created = create_request(key_client(place.office, staff_key), place)
    assert created.status_code == 201, created.json()
    # A building head's key with requests:write (made as if the role had shrunk after creation).
    head_key = ApiKey.objects.create(
        name="x", prefix="0123456789ab", secret_hash=hashlib.sha256(b"s" * 43).hexdigest(),
        street_office=place.office, created_by=place.users["building_head"], scopes=["requests:write"],
        created_at=timezone.now(),
    )
    client = key_client(place.office, f"{head_key.prefix}.{'s' * 43}")

    respond = client.post(f"/api/v1/requests/{created.json()['id']}/respond/", {"note": "x"}, format="json")

    assert respond.status_code == 403
    assert "role" in respond.json()["message"]


def test_the_service_refuses_scopes_the_role_has_no_part_of_and_roles_that_may_not_manage(place, users):
    from django.core.exceptions import PermissionDenied, ValidationError

    from core.integrations.keys import key_create

    with pytest.raises(ValidationError) as exc:
        key_create(actor=place.member("street_staff"), name="x", scopes=["district:read", "nope"])
    assert "scopes" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        key_create(actor=place.member("grid_worker"), name="x", scopes=["requests:read"])
    with pytest.raises(PermissionDenied):  # a district admin only reads inside a street
        key_create(actor=place.member("district_admin"), name="x", scopes=["requests:read"])


@pytest.mark.parametrize("change, code", [
    ({"expires_at": timezone.now() - dt.timedelta(seconds=1)}, "expired"),
    ({"revoked_at": timezone.now()}, "revoked"),
])
def test_expired_and_revoked_keys_are_refused(place, make_key, key_client, change, code):
    full = make_key(place.office, place.users["street_staff"], ["requests:read"])
    ApiKey.objects.filter(prefix=full.split(".")[0]).update(**change)

    response = key_client(place.office, full).get("/api/v1/requests/")

    assert response.status_code == 401
    assert response.json()["code"] == code


def test_expiry_is_checked_against_the_time_of_the_request(place, make_key):
    from core.integrations.keys import KeyRefused, key_check

    moment = timezone.now()
    full = make_key(place.office, place.users["street_staff"], ["requests:read"],
                    expires_at=moment + dt.timedelta(days=30))

    assert key_check(raw=full, tenant=place.office, ip="127.0.0.1", now=moment + dt.timedelta(days=29))
    with pytest.raises(KeyRefused):
        key_check(raw=full, tenant=place.office, ip="127.0.0.1", now=moment + dt.timedelta(days=31))


def test_a_wrong_secret_or_garbage_is_refused(place, make_key, key_client):
    full = make_key(place.office, place.users["street_staff"], ["requests:read"])
    for raw in (full[:-1] + ("A" if full[-1] != "A" else "B"), "nonsense", "", full.split(".")[0]):
        response = key_client(place.office, raw).get("/api/v1/requests/")
        assert response.status_code == 401, raw
        assert response.json()["code"] in ("invalid", "authentication_failed")
        assert response.json()["message"] != "提交的数据有误 / invalid input", raw  # says what is wrong


def test_a_street_key_works_only_on_its_own_street(place, street_a2, street_b, make_key, key_client):
    full = make_key(place.office, place.users["street_staff"], ["requests:read"])

    for other in (street_a2, street_b, None):
        response = key_client(other, full).get("/api/v1/me/")
        assert response.status_code == 401, other
        assert response.json()["code"] == "wrong_site"


def test_a_district_key_reads_its_streets_and_writes_nothing_there(place, street_b, make_key, key_client):
    full = make_key(None, place.users["district_admin"], ["district:read", "relief:read", "reports:read"])

    assert key_client(None, full).get("/api/v1/district/summary/").status_code == 200
    inside = key_client(place.office, full)
    assert inside.get("/api/v1/relief-cases/").status_code == 200
    assert create_request(inside, place).status_code == 403
    assert key_client(street_b, full).get("/api/v1/me/").status_code == 401


def test_ip_allowlist(place, make_key, key_client):
    full = make_key(place.office, place.users["street_staff"], ["requests:read"], allowed_ips="10.1.0.0/16\n192.0.2.7")

    outside = key_client(place.office, full, REMOTE_ADDR="127.0.0.1").get("/api/v1/requests/")
    assert outside.status_code == 403
    assert outside.json()["code"] == "ip_not_allowed"
    assert key_client(place.office, full, REMOTE_ADDR="10.1.2.3").get("/api/v1/requests/").status_code == 200
    assert key_client(place.office, full, REMOTE_ADDR="192.0.2.7").get("/api/v1/requests/").status_code == 200


def test_rate_limit_per_key_answers_429_with_retry_after(place, make_key, key_client):
    limited = key_client(place.office, make_key(place.office, place.users["street_staff"], ["requests:read"],
                                                rate_per_minute=3))
    other = key_client(place.office, make_key(place.office, place.users["street_staff"], ["requests:read"]))

    answers = [limited.get("/api/v1/requests/") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["code"] == "throttled"
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60
    assert other.get("/api/v1/requests/").status_code == 200  # per key, not per address


def test_a_key_with_idempotency_key_creates_once(place, make_key, key_client):
    client = key_client(place.office, make_key(place.office, place.users["street_staff"], ["requests:write"]))
    before = CitizenRequest.objects.count()

    first = client.post("/api/v1/requests/", _body(place), format="json", HTTP_IDEMPOTENCY_KEY="hotline-42")
    again = client.post("/api/v1/requests/", _body(place), format="json", HTTP_IDEMPOTENCY_KEY="hotline-42")

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert CitizenRequest.objects.count() == before + 1


def _body(place):
    return {"category": "heating", "description": "暖气不热", "requester_name": "王大妈",
            "community": place.community.pk, "grid": place.grid.pk}


def test_key_use_is_audited_every_write_and_first_read_per_hour(place, make_key, key_client):
    full = make_key(place.office, place.users["street_staff"], ["requests:write"])
    client = key_client(place.office, full)

    for _ in range(3):
        assert client.get("/api/v1/requests/").status_code == 200
    assert client.post("/api/v1/requests/", _body(place), format="json").status_code == 201

    uses = list(AuditEvent.objects.filter(action="api_key.use").order_by("id"))
    assert [u.after["method"] for u in uses] == ["GET", "POST"]
    assert uses[0].actor_id == place.users["street_staff"].pk
    assert full.split(".")[0] in uses[0].reason
    key = ApiKey.objects.get(prefix=full.split(".")[0])
    assert key.last_used_at is not None and key.last_used_ip == "127.0.0.1"
    # the request it made is audited as the creator's, as every write is
    assert AuditEvent.objects.filter(action="request.receive", actor_id=place.users["street_staff"].pk).exists()


def test_token_issuance_is_audited(place, web_client):
    from tests.support import DEMO_TEST_PASSWORD

    response = web_client(place.office).post(
        "/api/v1/auth/token/", {"username": "a_street_staff", "password": DEMO_TEST_PASSWORD},
        content_type="application/json",
    )

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="auth.token_issue")
    assert event.actor_id == place.users["street_staff"].pk
    assert response.json()["token"] not in str(event.after)
