"""The district rollup (core.rollup): figures on a known multi-street fixture equal what the street
schemas hold, a change shows after a refresh, refreshes are asked once per transaction and debounced
per street, and the operator's rebuild command."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from core.rollup.metrics import street_metrics
from core.rollup.models import STREET_WIDE, RollupFigure
from core.rollup.selectors import community_figures, street_figures
from core.rollup.services import local_day, rollup_rebuild, rollup_refresh
from district.figures import district_figures
from tenants.members import member_for
from tests.registry_places import full_items, make_household

NOW = timezone.now()


def _fill_street_a(org_a):
    """Street A: 3 households (2 in community 1, 1 in community 2), one visited with an urgent need and
    a gas hazard (a problem), one request, one clock three days overdue."""
    from core.deadlines.services import clock_start
    from core.inspections.services import visit_record
    from core.requests.services import request_receive

    worker = org_a.members["grid_worker"]
    visited = make_household(org_a)
    make_household(org_a)
    make_household(org_a, grid=org_a.g3)
    visit_record(actor=worker, household=visited, kind="home", items=full_items(gas_safety="hazard"),
                 needs=[{"need_type": "clothing", "quantity": 1, "urgency": "urgent", "description": "棉衣"}])
    request_receive(actor=org_a.members["street_staff"], channel="hotline", category="heating", description="暖气不热",
                    requester_name="王先生", community=org_a.c2, grid=org_a.g3)
    past = NOW - dt.timedelta(days=3)
    clock_start(subject=visited, kind="problem", started_at=past, due_at=past + dt.timedelta(days=1), now=past,
                title="测试超时事项", rule="1 天", community_id=org_a.c1.pk, grid_id=org_a.g1.pk)


def _fill_street_a2(street_a2, users):
    """Street A2: one community, 2 households, none visited."""
    from core.org.models import Community, Grid
    from core.registry.services import household_register

    connection.set_tenant(street_a2)
    actor = member_for(users["staff_a2"], street_a2)
    community = Community.objects.create(name="南社区")
    grid = Grid.objects.create(community=community, name="南一网格")
    for i in range(2):
        household_register(actor=actor, community=community, grid=grid, address=f"南路{i}号")
    connection.set_schema_to_public()
    return community


def _campaign_visits(office) -> dict:
    from core.campaigns.services import campaign_coverage_dates

    first, _phase_last, last = campaign_coverage_dates(office.district)
    return {"visited_at__date__gte": first, "visited_at__date__lte": last}


def _visited_in_campaign(office) -> int:
    """1 when the fixture's visit (made "now") falls within the campaign, else 0 (e.g. in July)."""
    return _direct(office)["households_visited"]


def _direct(office) -> dict[str, int]:
    """The figures counted straight from the street's tables (no selectors, no rollup)."""
    from core.deadlines.models import Clock
    from core.inspections.models import Need, Problem, Visit
    from core.registry.models import Household
    from core.requests.models import CitizenRequest

    with tenant_context(office):
        return {
            "households_registered": Household.objects.filter(is_active=True).count(),
            # coverage counts home visits made within the campaign (ADR 0016: from the inspection
            # phase's first day to the campaign's last), so the direct count does too
            "households_visited": Household.objects.filter(
                is_active=True, pk__in=Visit.objects.filter(kind="home", **_campaign_visits(office)).values("household_id"),
            ).count(),
            "needs_open": Need.objects.filter(status__in=["open", "in_progress"]).count(),
            "needs_met": Need.objects.filter(status="met").count(),
            "problems_open": Problem.objects.filter(status="open").count(),
            "requests_received": CitizenRequest.objects.count(),
            "clocks_overdue": Clock.objects.filter(state__in=["on_track", "due_soon", "overdue"], due_at__lte=NOW).count(),
        }


def test_rollup_figures_equal_the_street_schemas_on_a_multi_street_fixture(org_a, street_a, street_a2, street_b, users):
    _fill_street_a(org_a)
    south = _fill_street_a2(street_a2, users)
    connection.set_schema_to_public()

    refreshed = rollup_rebuild(district=street_a.district, now=NOW)

    assert set(refreshed) == {street_a.slug, street_a2.slug}  # district B's street untouched
    rows, total = district_figures(member=member_for(users["district_admin"], None))
    by_slug = {r.slug: r for r in rows}
    for office in (street_a, street_a2):
        direct = _direct(office)
        assert {code: by_slug[office.slug].get(code) for code in direct} == direct, office.slug
        assert by_slug[office.slug].refreshed_at == NOW
    a = by_slug[street_a.slug]
    visited = _visited_in_campaign(street_a)
    assert (a.get("households_registered"), a.get("households_visited"), a.get("needs_open")) == (3, visited, 1)
    assert a.get("problems_open") == 1 and a.get("requests_received") == 1 and a.get("clocks_overdue") >= 1
    assert by_slug[street_a2.slug].get("households_registered") == 2
    assert total.get("households_registered") == 5
    assert total.coverage_rate == 20.0 * visited  # 1 of 5 households, when the visit counts
    # per community: street A's community 1 holds 2 households and the visit, community 2 one household
    communities = {c.key: c for c in community_figures(office=street_a)}
    assert communities[org_a.c1.pk].get("households_registered") == 2
    assert communities[org_a.c1.pk].get("households_visited") == visited
    assert communities[org_a.c2.pk].get("households_registered") == 1
    assert communities[org_a.c2.pk].get("requests_received") == 1
    assert STREET_WIDE in communities  # the street-wide row (phase tasks, patrols, reports)
    assert {c.name for c in community_figures(office=street_a2)} >= {south.name}
    # stored values equal the one aggregation computed directly
    live = street_metrics(office=street_a, now=NOW)
    for code in ("households_registered", "needs_open", "request_late", "relief_approved_yuan", "tasks_due"):
        assert Decimal(a.values.get(code, 0)) == live.total(code), code
    assert not RollupFigure.objects.filter(street_office_id=street_b.pk).exists()


def test_a_change_in_a_street_shows_on_the_dashboard_after_the_refresh(org_a, street_a, users, web_client):
    make_household(org_a)
    connection.set_schema_to_public()
    rollup_refresh(office=street_a, now=NOW)
    before = street_figures(offices=[street_a])[0].get("households_registered")

    with tenant_context(street_a):
        make_household(org_a)
    assert street_figures(offices=[street_a])[0].get("households_registered") == before  # not yet refreshed
    later = NOW + dt.timedelta(minutes=1)
    rollup_refresh(office=street_a, now=later)

    after = street_figures(offices=[street_a])[0]
    assert after.get("households_registered") == before + 1 and after.refreshed_at == later
    page = web_client(None, users["district_viewer"]).get("/").content.decode()
    assert timezone.localtime(later).strftime("%Y-%m-%d %H:%M") in page


def test_a_refresh_replaces_the_day_and_keeps_earlier_days_as_history(org_a, street_a):
    make_household(org_a)
    connection.set_schema_to_public()
    yesterday = NOW - dt.timedelta(days=1)
    rollup_refresh(office=street_a, now=yesterday)
    rollup_refresh(office=street_a, now=NOW)
    rollup_refresh(office=street_a, now=NOW)

    days = set(RollupFigure.objects.filter(street_office_id=street_a.pk).values_list("day", flat=True))
    assert days == {local_day(yesterday), local_day(NOW)}
    assert RollupFigure.objects.filter(street_office_id=street_a.pk, day=local_day(NOW),
                                       metric="households_registered").count() >= 1


def test_each_transaction_asks_once_per_street_after_it_commits(org_a, street_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_household(org_a)
        make_household(org_a)
    asks = [c for c in callbacks if getattr(c, "rollup_office_id", None) is not None]
    assert [c.rollup_office_id for c in asks] == [street_a.pk]


def test_refresh_requests_are_debounced_per_street(street_a, street_a2):
    from core.rollup.services import pending_key, redis_client
    from core.rollup.tasks import rollup_request_refresh

    client = redis_client()
    client.set(pending_key(street_a.pk), "1", ex=60)  # a refresh of street A is already queued
    try:
        assert rollup_request_refresh(street_a.pk) is False
        assert client.ttl(pending_key(street_a.pk)) > 0
    finally:
        client.delete(pending_key(street_a.pk), pending_key(street_a2.pk))


def test_the_rebuild_command_refreshes_one_street_or_all(org_a, street_a, street_a2, capsys):
    make_household(org_a)
    connection.set_schema_to_public()

    call_command("rollup", "rebuild", "--street", street_a.slug)

    assert RollupFigure.objects.filter(street_office_id=street_a.pk).exists()
    assert not RollupFigure.objects.filter(street_office_id=street_a2.pk).exists()
    with pytest.raises(CommandError, match="no street office"):
        call_command("rollup", "rebuild", "--street", "nowhere")
    call_command("rollup", "rebuild")
    assert RollupFigure.objects.filter(street_office_id=street_a2.pk).exists()


def test_the_rollup_consumes_domain_events_and_asks_once_for_the_street(org_a, street_a, django_capture_on_commit_callbacks):
    from core.events.models import Delivery, Event
    from core.events.services import events_deliver
    from core.requests.services import request_receive

    request_receive(actor=org_a.members["street_staff"], channel="hotline", category="heating", description="暖气不热",
                    requester_name="王先生", community=org_a.c1)
    event = Event.objects.filter(event_type="request.created", schema_name=street_a.schema_name).latest("id")
    assert Delivery.objects.filter(event=event, consumer="rollup.refresh").exists()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        events_deliver(event_ids=[event.pk])

    assert [getattr(c, "rollup_office_id", None) for c in callbacks if hasattr(c, "rollup_office_id")] == [street_a.pk]
    assert Delivery.objects.get(event=event, consumer="rollup.refresh").state == "done"
