"""Every winter need has a responsible person and a clock: its duration by urgency from the district's
policy (a street may tighten it), shown in the ledger and the API, counted in on-time rates."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from openpyxl import load_workbook

from core.campaigns.services import calendar_for, street_sla_set
from core.deadlines.durations import Duration, due_after
from core.deadlines.models import Clock
from core.inspections.checklist import CHECKLIST
from core.inspections.models import Need
from tests.registry_places import make_household


def _visit(client, household, *needs):
    data = {"kind": "home", **{f"item_{i.code}": "ok" for i in CHECKLIST}}
    for i, (need_type, urgency) in enumerate(needs):
        data |= {f"need_type_{i}": need_type, f"quantity_{i}": "1", f"urgency_{i}": urgency}
    response = client.post(f"/households/{household.pk}/visit/", data)
    import re

    errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)', response.content.decode())
    assert response.status_code == 302, errors


def _clock(need) -> Clock:
    return Clock.objects.get(
        subject_type="inspections.need",
        subject_id=need.pk,
        kind="need",
        state__in=("on_track", "due_soon", "overdue"),
    )


def test_needs_get_clocks_by_urgency_from_the_policy_and_the_street_may_tighten(org_a, web_client, users):
    household = make_household(org_a)
    grid = web_client(org_a.office, users["grid_worker"])
    _visit(grid, household, ("clothing", "critical"), ("food", "urgent"), ("bedding", "normal"))
    needs = {n.urgency: n for n in Need.objects.filter(household=household)}
    calendar = calendar_for(org_a.office.district)

    for urgency, duration in [
        ("critical", Duration(24, "hours")),
        ("urgent", Duration(3, "working_days")),
        ("normal", Duration(10, "working_days")),
    ]:
        need, clock = needs[urgency], _clock(needs[urgency])
        assert need.responsible_user_id == users["grid_worker"].pk
        assert clock.responsible_user_id == users["grid_worker"].pk
        assert clock.due_at == due_after(clock.started_at, duration, calendar), urgency
        assert clock.rule.endswith(f"{duration.label}内办结")

    street_sla_set(office=org_a.office, need_urgent=Duration(1, "working_days"))
    _visit(grid, household, ("food", "urgent"))
    newest = Need.objects.filter(household=household, urgency="urgent").order_by("-pk").first()
    clock = _clock(newest)
    assert clock.due_at == due_after(clock.started_at, Duration(1, "working_days"), calendar)


def test_need_clock_is_shown_met_cancelled_and_restarted_and_counted_in_on_time_rates(
    org_a, web_client, api_client, users
):
    household = make_household(org_a)
    staff = web_client(org_a.office, users["street_staff"])
    _visit(staff, household, ("clothing", "urgent"), ("food", "normal"))
    met, cancelled = Need.objects.get(need_type="clothing"), Need.objects.get(need_type="food")
    due = timezone.localtime(_clock(met).due_at).strftime("%m-%d %H:%M")

    ledger = staff.get("/needs/").content.decode()
    assert f'id="need-{met.pk}"' in ledger and due in ledger

    api = api_client(org_a.office, users["street_staff"])
    listed = {n["id"]: n for n in api.get("/api/v1/needs/").json()["results"]}
    assert listed[met.pk]["next_due_at"] is not None and listed[met.pk]["responsible_name"]
    assert api.get(f"/api/v1/needs/{met.pk}/").json()["next_due_at"] == listed[met.pk]["next_due_at"]

    workbook = load_workbook(io.BytesIO(staff.get("/needs/", {"format": "xlsx"}).content)).active
    header = [c.value for c in next(workbook.iter_rows(min_row=2, max_row=2))]
    rows = list(workbook.iter_rows(min_row=3, values_only=True))
    full_due = timezone.localtime(_clock(met).due_at).strftime("%Y-%m-%d %H:%M")
    assert full_due in {r[header.index("办结时限")] for r in rows}

    assert staff.post(f"/needs/{met.pk}/status/", {"status": "met"}).status_code in (302, 200)
    assert staff.post(f"/needs/{cancelled.pk}/status/", {"status": "cancelled", "note": "亲属已送来"}).status_code in (302, 200)
    met_clock = Clock.objects.get(subject_type="inspections.need", subject_id=met.pk)
    assert met_clock.state == "met_on_time" and met_clock.met_at is not None
    assert Clock.objects.get(subject_type="inspections.need", subject_id=cancelled.pk).state == "cancelled"
    assert api.get(f"/api/v1/needs/{met.pk}/").json()["next_due_at"] is None

    rates = api.get("/api/v1/deadlines/on-time/", {"by": "street", "kind": "need"}).json()
    assert [(r["on_time"], r["late"], r["open_not_due"]) for r in rates] == [(1, 0, 0)]

    # reopening a cancelled need starts a new round from now
    assert staff.post(f"/needs/{cancelled.pk}/status/", {"status": "open"}).status_code in (302, 200)
    reopened = _clock(cancelled)
    assert reopened.round == 2 and reopened.started_at > timezone.now() - dt.timedelta(minutes=5)
