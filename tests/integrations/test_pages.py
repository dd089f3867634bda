"""接口与推送 pages: street staff and the district admin make and revoke keys, the secret is shown once,
other roles are refused."""

from __future__ import annotations

from core.audit.models import AuditEvent
from core.integrations.models import ApiKey


def test_street_staff_makes_a_key_and_sees_the_secret_once(place, web_client, key_client):
    page = web_client(place.office, place.users["street_staff"])

    assert page.get("/integrations/").status_code == 200
    made = page.post("/integrations/", {"name": "12345热线", "scopes": ["requests:write"], "rate_per_minute": 60,
                                        "allowed_ips": "", "expires_on": ""})

    assert made.status_code == 302, made.content.decode()[:2000]
    key = ApiKey.objects.get(name="12345热线")
    assert key.street_office_id == place.office.pk and key.scopes == ["requests:write"]
    shown = page.get(made["Location"]).content.decode()
    full = shown.split('id="full-key" readonly value="', 1)[1].split('"', 1)[0]
    assert full.startswith(key.prefix + ".")
    again = page.get(made["Location"])
    assert "no-store" in again["Cache-Control"]
    assert full not in again.content.decode()  # once only
    assert key_client(place.office, full).get("/api/v1/requests/").status_code == 200
    assert AuditEvent.objects.filter(action="api_key.create", object_id=str(key.pk)).exists()

    revoked = page.post(f"/integrations/keys/{key.pk}/revoke/")
    assert revoked.status_code == 302
    assert key_client(place.office, full).get("/api/v1/requests/").json()["code"] == "revoked"


def test_bad_input_is_answered_on_the_page_in_chinese(place, web_client):
    page = web_client(place.office, place.users["street_staff"])

    answer = page.post("/integrations/", {"name": "x", "scopes": ["requests:read"], "rate_per_minute": 60,
                                          "allowed_ips": "not-an-ip", "expires_on": "2000-01-01"})

    assert answer.status_code == 200
    text = answer.content.decode()
    assert "地址格式不正确" in text and "到期时间须晚于现在" in text
    assert not ApiKey.objects.filter(name="x").exists()


def test_other_roles_and_other_streets_are_refused(place, street_b, users, web_client):
    assert web_client(place.office, place.users["grid_worker"]).get("/integrations/").status_code == 403
    assert web_client(place.office, place.users["street_leader"]).get("/integrations/").status_code == 403
    assert web_client(place.office, users["staff_b"]).get("/integrations/").status_code == 404
    # the district admin manages the district's keys on the district site, not a street's
    assert web_client(place.office, users["district_admin"]).post("/integrations/", {}).status_code == 403


def test_district_admin_makes_a_district_key(place, users, web_client):
    page = web_client(None, users["district_admin"])

    made = page.post("/integrations/", {"name": "省平台", "scopes": ["district:read"], "rate_per_minute": 60})

    assert made.status_code == 302
    key = ApiKey.objects.get(name="省平台")
    assert key.district_id == place.office.district_id and key.street_office_id is None


def test_a_key_of_another_street_cannot_be_opened_or_revoked(place, street_b, users, web_client, make_key):
    full = make_key(place.office, place.users["street_staff"], ["requests:read"])
    key = ApiKey.objects.get(prefix=full.split(".")[0])
    # staff of street B on their own site: the key of street A is not theirs
    page = web_client(street_b, users["staff_b"])
    assert page.get(f"/integrations/keys/{key.pk}/").status_code == 404
    assert page.post(f"/integrations/keys/{key.pk}/revoke/").status_code == 404
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
