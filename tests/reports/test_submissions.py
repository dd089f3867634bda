"""Submissions (报送): community -> street -> district, deadlines from the campaign, locks, roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.deadlines.models import Clock, ClockState
from reports.models import Submission
from reports.services import monthly_narrative_save, report_run_create, report_run_execute
from reports.submissions import (
    SubmissionConflict,
    period_bounds,
    submission_due_at,
    submission_ensure,
    submission_step,
)


@pytest.fixture
def month(street_a):
    """The campaign's first monthly-report period (from the campaign, never from today's date)."""
    from core.campaigns.models import Deliverable
    from core.campaigns.services import campaign_ensure

    campaign = campaign_ensure(street_a.district)
    due_on = Deliverable.objects.get(phase__campaign=campaign, key="monthly_progress").due_on
    return f"{due_on:%Y-%m}"


def _ready_run(member, month, community_id=None, sign=True):
    first, last = period_bounds("monthly_progress", month, None)
    monthly_narrative_save(actor=member, period=month, narrative="本月走访困难群众，发放棉被。", community_id=community_id,
                           sign_off=sign)
    run = report_run_create(actor=member, kind="monthly_progress", fmt="pdf", first=first, last=last,
                            community_id=community_id)
    return report_run_execute(run_id=run.pk)


def test_community_report_is_submitted_on_time_accepted_locked_and_unlocked_by_the_street(org_a, month):
    director, leader = org_a.members["community_director"], org_a.members["street_leader"]
    slot = submission_ensure(kind="monthly_progress", period=month, level="community", community_id=org_a.c1.pk)
    due = submission_due_at(slot)
    run = _ready_run(director, month)

    item = submission_step(actor=director, submission_id=slot.pk, step="submit", now=due - dt.timedelta(days=1))
    assert (item.status, item.on_time, item.run_id) == ("submitted", True, run.pk)
    clock = Clock.objects.get(subject_type="reports.submission", subject_id=slot.pk)
    assert clock.state == ClockState.MET_ON_TIME

    item = submission_step(actor=leader, submission_id=slot.pk, step="accept")
    assert item.status == "accepted" and item.locked
    with pytest.raises(ValidationError):
        monthly_narrative_save(actor=director, period=month, narrative="改写")

    with pytest.raises(ValidationError):  # a reason is required
        submission_step(actor=director, submission_id=slot.pk, step="request_unlock")
    submission_step(actor=director, submission_id=slot.pk, step="request_unlock", note="数据有误需更正")
    item = submission_step(actor=leader, submission_id=slot.pk, step="approve_unlock", note="同意")
    assert item.status == "returned" and not item.locked
    monthly_narrative_save(actor=director, period=month, narrative="更正后的说明")
    assert [e.step for e in item.events.order_by("id")] == ["submit", "accept", "request_unlock", "approve_unlock"]


def test_a_submission_after_the_deadline_is_late(org_a, month):
    director = org_a.members["community_director"]
    slot = submission_ensure(kind="monthly_progress", period=month, level="community", community_id=org_a.c1.pk)
    _ready_run(director, month)

    item = submission_step(actor=director, submission_id=slot.pk, step="submit",
                           now=submission_due_at(slot) + dt.timedelta(hours=1))

    assert item.on_time is False
    assert Clock.objects.get(subject_type="reports.submission", subject_id=slot.pk).state == ClockState.MET_LATE


def test_a_monthly_report_needs_a_signed_off_narrative_and_a_run_made_after_it(org_a, month):
    director = org_a.members["community_director"]
    slot = submission_ensure(kind="monthly_progress", period=month, level="community", community_id=org_a.c1.pk)

    with pytest.raises(ValidationError, match="请先生成"):
        submission_step(actor=director, submission_id=slot.pk, step="submit")
    _ready_run(director, month, sign=False)
    with pytest.raises(ValidationError, match="签发"):
        submission_step(actor=director, submission_id=slot.pk, step="submit")
    assert Submission.objects.get(pk=slot.pk).status == "draft"


def test_roles_that_may_not_take_a_step_are_refused_and_nothing_changes(org_a, month):
    worker, staff, director = (org_a.members[r] for r in ("community_worker", "street_staff", "community_director"))
    slot = submission_ensure(kind="monthly_progress", period=month, level="community", community_id=org_a.c1.pk)
    _ready_run(director, month)

    with pytest.raises(PermissionDenied):
        submission_step(actor=worker, submission_id=slot.pk, step="submit")
    submission_step(actor=director, submission_id=slot.pk, step="submit")
    with pytest.raises(PermissionDenied):  # street staff may not approve (report.approve)
        submission_step(actor=staff, submission_id=slot.pk, step="accept")
    with pytest.raises(PermissionDenied):  # nobody approves their own submission
        submission_step(actor=director, submission_id=slot.pk, step="accept")
    assert Submission.objects.get(pk=slot.pk).status == "submitted"


def test_a_second_decision_is_refused_and_a_repeated_one_is_a_conflict(org_a, month):
    director, leader = org_a.members["community_director"], org_a.members["street_leader"]
    slot = submission_ensure(kind="monthly_progress", period=month, level="community", community_id=org_a.c1.pk)
    _ready_run(director, month)
    submission_step(actor=director, submission_id=slot.pk, step="submit")
    submission_step(actor=leader, submission_id=slot.pk, step="return", note="请补充数据")

    with pytest.raises(ValidationError, match="不能办理"):  # not allowed from 退回
        submission_step(actor=leader, submission_id=slot.pk, step="accept")
    with pytest.raises(SubmissionConflict):  # the same decision pressed again
        submission_step(actor=leader, submission_id=slot.pk, step="return", note="再次退回")
    assert Submission.objects.get(pk=slot.pk).status == "returned"


def test_the_street_report_meets_the_campaign_task_and_the_district_accepts_it(
    org_a, month, street_a, users, api_client
):
    from core.campaigns.models import DeliverableCheck

    staff = org_a.members["street_staff"]
    slot = submission_ensure(kind="monthly_progress", period=month, level="street")
    run = _ready_run(staff, month)

    submission_step(actor=staff, submission_id=slot.pk, step="submit")

    check = DeliverableCheck.objects.get(pk=slot.check_id)
    assert check.done_at is not None and run.sha256 in check.evidence
    assert Clock.objects.get(subject_type="campaigns.deliverablecheck", subject_id=check.pk).met_at is not None
    viewer = api_client(None, users["district_viewer"])
    listed = viewer.get("/api/v1/submissions/").json()
    assert any(s["id"] == slot.pk and s["street"] == street_a.slug and s["steps"] == [] for s in listed)
    assert viewer.post(f"/api/v1/submissions/{street_a.slug}/{slot.pk}/accept/").status_code == 403
    admin = api_client(None, users["district_admin"])
    response = admin.post(f"/api/v1/submissions/{street_a.slug}/{slot.pk}/accept/")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    again = admin.post(f"/api/v1/submissions/{street_a.slug}/{slot.pk}/accept/")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    other = api_client(None, users["staff_b"])
    assert other.post(f"/api/v1/submissions/{street_a.slug}/{slot.pk}/return/", {"note": "x"}).status_code in (403, 404)


def test_a_community_deadline_counts_working_days_back_on_the_calendar_and_follows_its_changes(
    org_a, month, users
):
    """Three working days before the street's phase-task day, through the clock engine (ByDate): a
    holiday on that day moves the community's deadline one working day earlier, and the director is
    told (issue 14: no walk of its own)."""
    from core.campaigns.models import DeliverableCheck
    from core.campaigns.services import calendar_day_set, calendar_for
    from core.deadlines.durations import LOCAL_TZ
    from core.notifications.models import Notification
    from tenants.members import member_for

    slot = submission_ensure(kind="monthly_progress", period=month, level="community", community_id=org_a.c1.pk)
    clock = Clock.objects.get(subject_type="reports.submission", subject_id=slot.pk)
    street = DeliverableCheck.objects.get(street_office=org_a.office, deliverable__key="monthly_progress",
                                          period_due_on__year=int(month[:4]), period_due_on__month=int(month[5:]))
    calendar = calendar_for(org_a.office.district)
    day = street.due_at.astimezone(LOCAL_TZ).date()
    for _ in range(3):
        day = calendar.previous_working_day(day)
    assert clock.due_at.astimezone(LOCAL_TZ).date() == day == submission_due_at(slot).astimezone(LOCAL_TZ).date()
    assert (clock.due_on, clock.due_lead_working_days) == (street.period_due_on, 3)

    calendar_day_set(district=org_a.office.district, date=day, kind="holiday", name="调整",
                     actor=member_for(users["district_admin"], None))

    clock.refresh_from_db()
    assert clock.due_at.astimezone(LOCAL_TZ).date() == calendar_for(org_a.office.district).previous_working_day(day)
    assert submission_due_at(slot) == clock.due_at
    told = Notification.objects.get(kind="clock.moved_earlier", user=users["community_director"])
    assert "时限提前" in told.title


def test_slots_come_from_the_scheduled_step_for_begun_periods_never_from_a_read(org_a, users, web_client, street_a):
    """Reading the submissions page or list creates nothing; the hourly step creates each begun
    period's street slot and community slots (with their clocks) once."""
    from core.campaigns.models import Deliverable
    from core.campaigns.services import campaign_ensure
    from core.deadlines.durations import LOCAL_TZ
    from reports.submissions import submission_slots_ensure
    from reports.tasks import submission_slots_all

    page = web_client(street_a, users["street_staff"]).get("/reports/submissions/")
    assert page.status_code == 200
    web_client(street_a, users["community_director"]).get("/reports/submissions/")
    assert Submission.objects.count() == 0

    campaign = campaign_ensure(street_a.district)
    first_due = Deliverable.objects.get(phase__campaign=campaign, key="monthly_progress").due_on
    now = dt.datetime.combine(first_due - dt.timedelta(days=5), dt.time(9), tzinfo=LOCAL_TZ)  # inside month 1

    assert submission_slots_ensure(now=now) == 6  # (monthly month 1 + problem ledger) x (street + 2 communities)
    slots = set(Submission.objects.values_list("kind", "period", "level", "community_id"))
    month = f"{first_due:%Y-%m}"
    assert ("monthly_progress", month, "street", None) in slots
    assert {("monthly_progress", month, "community", c.pk) for c in (org_a.c1, org_a.c2)} <= slots
    assert {p for _k, p, _l, _c in slots} == {month, "inspection"}  # later months have not begun
    community_slots = Submission.objects.filter(level="community").values_list("pk", flat=True)
    assert Clock.objects.filter(subject_type="reports.submission", subject_id__in=community_slots).count() == 4
    assert submission_slots_ensure(now=now) == 0  # idempotent
    later = now + dt.timedelta(days=31)
    assert submission_slots_all(now=later, schemas=[street_a.schema_name]) == {"streets": 1, "created": 3, "failed": 0}
