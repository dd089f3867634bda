"""Drill-down into a street office (ADR 0056): district roles read the street's person-level lists only
after stating a reason, read-only, for 30 minutes, audited in both trails; the street sees who looked."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from core.audit.models import AuditEvent
from tenants.access import LOOKED, OPENED, street_access_open
from tenants.members import member_for
from tests.isolation.urls import TENANT_URLS

GUARDED_TENANT = [u for u in TENANT_URLS if not u.is_open]


def _trail(schema: str, action: str) -> list[AuditEvent]:
    with schema_context(schema):
        return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_without_a_reason_the_lists_are_refused_and_ask_for_one(street_a, users, web_client, api_client):
    web = web_client(street_a, users["district_viewer"])
    api = api_client(street_a, users["district_viewer"])

    for path in ("/requests/", "/problems/", "/rectifications/", "/needs/", "/households/"):
        response = web.get(path)
        assert response.status_code == 302 and response["Location"] == f"/district-access/?next={path.replace('/', '%2F')}", path
    answer = api.get("/api/v1/requests/")
    assert answer.status_code == 403 and answer.json()["code"] == "reason_required"
    assert "理由" in web.get("/district-access/?next=/requests/").content.decode()


def test_a_stated_reason_opens_the_lists_read_only_and_is_audited_twice(street_a, users, web_client, api_client):
    web = web_client(street_a, users["district_viewer"])

    short = web.post("/district-access/", {"reason": "看看", "next": "/requests/"})
    assert short.status_code == 400 and "至少" in short.content.decode()
    opened = web.post("/district-access/", {"reason": "核查区级督办的超时诉求", "next": "/requests/"})
    assert opened.status_code == 302 and opened["Location"] == "/requests/"

    assert web.get("/requests/").status_code == 200
    assert api_client(street_a, users["district_viewer"]).get("/api/v1/requests/").status_code == 200
    assert web.post("/requests/new/", {"description": "x"}).status_code == 403  # still read-only
    for schema in ("public", street_a.schema_name):
        assert [e.reason for e in _trail(schema, OPENED)] == ["核查区级督办的超时诉求"], schema
        looked = [e.after["what"] for e in _trail(schema, LOOKED)]
        assert looked == ["/requests/", "API GET /api/v1/requests/"], schema


def test_the_reason_expires_after_thirty_minutes(street_a, users, web_client):
    viewer = member_for(users["district_viewer"], street_a)
    street_access_open(member=viewer, office=street_a, reason="核实跨街道重复登记人员",
                       now=timezone.now() - dt.timedelta(minutes=31))
    connection.set_schema_to_public()

    response = web_client(street_a, users["district_viewer"]).get("/needs/")

    assert response.status_code == 302 and response["Location"].startswith("/district-access/")


def test_the_street_sees_who_from_the_district_looked_at_what_and_why(street_a, users, web_client, api_client):
    api = api_client(street_a, users["district_viewer"])
    assert api.post("/api/v1/district-access/", {"reason": "短"}, format="json").status_code == 400
    granted = api.post("/api/v1/district-access/", {"reason": "核查区级督办的超时诉求"}, format="json")
    assert granted.status_code == 201 and granted.json()["expires_at"]
    api.get("/api/v1/problems/")

    page = web_client(street_a, users["street_staff"]).get("/district-access/log/").content.decode()

    viewer_name = users["district_viewer"].display_name()
    assert viewer_name in page and "核查区级督办的超时诉求" in page and "/api/v1/problems/" in page
    assert web_client(street_a, users["grid_worker"]).get("/district-access/log/").status_code == 403


def test_another_district_cannot_open_our_streets(street_a, users, web_client, api_client):
    assert web_client(street_a, users["district_b_admin"]).get("/district-access/").status_code == 404
    answer = api_client(street_a, users["district_b_admin"]).post(
        "/api/v1/district-access/", {"reason": "核查区级督办的超时诉求"}, format="json")
    assert answer.status_code == 404
    assert web_client(None, users["district_b_admin"]).get(f"/streets/{street_a.slug}/").status_code == 404
    assert api_client(None, users["district_b_admin"]).get(
        f"/api/v1/district/streets/{street_a.slug}/communities/").status_code == 404


def test_a_district_viewer_with_a_reason_open_still_writes_nothing(street_a, users, api_client, web_client, in_street):
    viewer = member_for(users["district_viewer"], street_a)
    street_access_open(member=viewer, office=street_a, reason="核查区级督办的超时诉求")
    connection.set_schema_to_public()
    api, web = api_client(street_a, users["district_viewer"]), web_client(street_a, users["district_viewer"])
    with in_street(street_a):
        before = AuditEvent.objects.exclude(action__in=[OPENED, LOOKED]).count()

    for url in GUARDED_TENANT:
        if url.path.startswith(("/district-access/", "/api/v1/district-access/")):
            continue  # stating a reason is the one write a district role makes in a street
        for method in ("post", "patch", "delete"):
            response = (getattr(api, method)(url.path, {}, format="json") if url.is_api
                        else getattr(web, method)(url.path))
            assert not 200 <= response.status_code < 300, f"{method.upper()} {url.path}: {response.status_code}"
    with in_street(street_a):
        assert AuditEvent.objects.exclude(action__in=[OPENED, LOOKED]).count() == before


def test_the_digest_leads_to_the_street_page_with_its_communities(org_a, street_a, users, web_client):
    from core.deadlines.services import clock_start
    from core.rollup.services import rollup_refresh
    from tests.registry_places import make_household

    past = timezone.now() - dt.timedelta(days=3)
    clock_start(subject=make_household(org_a), kind="problem", started_at=past, due_at=past + dt.timedelta(days=1),
                now=past, title="测试超时事项", rule="1 天", community_id=org_a.c1.pk, grid_id=org_a.g1.pk)
    connection.set_schema_to_public()
    rollup_refresh(office=street_a)
    client = web_client(None, users["district_viewer"])

    overdue = client.get("/overdue/").content.decode()
    street = client.get(f"/streets/{street_a.slug}/")

    assert street.status_code == 200
    page = street.content.decode()
    assert org_a.c1.name in page and org_a.c2.name in page and "/requests/" in page
    assert f'id="overdue-{street_a.slug}"' in overdue and f"/streets/{street_a.slug}/" in overdue
