"""The district's campaign: plan defaults, SLA (street may tighten, never loosen), calendar, phase tasks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from core.campaigns import services
from core.campaigns.models import CalendarDay, Campaign, DeliverableCheck, StreetSla
from core.deadlines.durations import HOURS, LOCAL_TZ, WORKING_DAYS, Duration


def test_the_plan_is_the_default_campaign(street_a):
    campaign = services.campaign_create_default(district=street_a.district, today=dt.date(2025, 11, 17))

    assert (campaign.starts_on, campaign.ends_on) == (dt.date(2025, 11, 1), dt.date(2026, 3, 31))
    phases = [(p.key, p.starts_on, p.ends_on) for p in campaign.phases.all()]
    assert phases == [
        ("mobilisation", dt.date(2025, 11, 1), dt.date(2025, 11, 20)),
        ("inspection", dt.date(2025, 11, 21), dt.date(2025, 11, 30)),
        ("relief", dt.date(2025, 12, 1), dt.date(2026, 3, 31)),
    ]
    assert [campaign.duration(k).label for k in ("respond", "handle", "feedback")] == [
        "1 小时",
        "24 小时",
        "3 个工作日",
    ]
    assert CalendarDay.objects.filter(district=street_a.district, date__year=2026).count() == 39


def test_campaign_inspection_window_is_the_inspection_phase(street_a):
    campaign = services.campaign_ensure(street_a.district)
    start, end = services.campaign_inspection_window(street_a.district)
    assert (start.month, start.day, end.month, end.day) == (11, 21, 11, 30)
    assert start.year == campaign.starts_on.year


def test_a_street_may_tighten_but_never_loosen(street_a, users):
    from tenants.members import member_for

    staff = member_for(users["street_staff"], street_a)
    services.street_sla_set(
        office=street_a, actor=staff, respond=Duration(30 // 30, HOURS), feedback=Duration(2, WORKING_DAYS)
    )

    with pytest.raises(ValidationError) as exc:
        services.street_sla_set(office=street_a, actor=staff, handle=Duration(48, HOURS))
    assert "街道只能收紧" in exc.value.message_dict["handle"][0]
    sla = services.sla_for_street(street_a)
    assert (sla["respond"].label, sla["handle"].label, sla["feedback"].label) == (
        "1 小时",
        "24 小时",
        "2 个工作日",
    )
    assert StreetSla.objects.get(street_office=street_a).handle_amount is None


def test_a_loosened_district_policy_never_loosens_a_street_beyond_the_district(street_a, users):
    from tenants.members import member_for

    campaign = services.campaign_ensure(street_a.district)
    services.street_sla_set(
        office=street_a, actor=member_for(users["street_staff"], street_a), handle=Duration(12, HOURS)
    )
    services.campaign_update(campaign=campaign, handle_amount=6)

    assert services.sla_for_street(street_a)["handle"].label == "6 小时"


def test_phase_tasks_get_checks_and_clocks_and_the_monthly_report_moves_off_sunday(street_a, users):
    with tenant_context(street_a):
        created = services.deliverable_checks_ensure(office=street_a)
        again = services.deliverable_checks_ensure(office=street_a)
        from core.deadlines.models import Clock

        clock_count = Clock.objects.filter(kind="deliverable").count()
    checks = DeliverableCheck.objects.filter(street_office=street_a).select_related("deliverable")

    assert again == 0 and created == checks.count() == clock_count
    monthly = [c for c in checks if c.deliverable.monthly]
    first = min(monthly, key=lambda c: c.period_due_on)
    if first.period_due_on == dt.date(2026, 12, 20):  # a Sunday: due at the end of Monday 12-21
        assert first.due_at == dt.datetime(2026, 12, 21, 23, 59, 59, tzinfo=LOCAL_TZ)


def test_training_attendance_and_the_district_progress(street_a, street_a2, users):
    from core.campaigns.selectors import district_progress
    from tenants.members import member_for

    with tenant_context(street_a):
        services.deliverable_checks_ensure(office=street_a)
        training = DeliverableCheck.objects.get(
            street_office=street_a, deliverable__key="inspection_training"
        )
        staff = member_for(users["street_staff"], street_a)
        with pytest.raises(ValidationError):
            services.deliverable_check_done(
                check=training, actor=staff, evidence="11月18日培训", attended_user_ids=[]
            )
        services.deliverable_check_done(
            check=training,
            actor=staff,
            evidence="11月18日在街道会议室培训",
            attended_user_ids=[users["grid_worker"].pk],
        )
        from core.deadlines.models import Clock

        clock = Clock.objects.get(subject_type="campaigns.deliverablecheck", subject_id=training.pk)
        assert clock.state in ("met_on_time", "met_late") and clock.met_at == training.done_at

    progress = district_progress(district=street_a.district)
    row_a = next(r for r in progress["rows"] if r["office"] == street_a)
    row_a2 = next(r for r in progress["rows"] if r["office"] == street_a2)
    column = next(i for i, (d, _p) in enumerate(progress["columns"]) if d.key == "inspection_training")
    assert row_a["cells"][column]["status"] in ("on_time", "late")
    assert row_a["cells"][column]["attendance"] == (1, 3)  # grid worker of 3 community/grid workers
    assert row_a2["cells"][column]["status"] == "missing"


def test_calendar_upload_in_the_web_ui_all_or_nothing(street_a, users, web_client):
    admin = web_client(None, users["district_admin"])
    district = street_a.district
    bad = SimpleUploadedFile(
        "cal.csv", "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-30,holiday,x\n".encode()
    )
    good = SimpleUploadedFile(
        "cal.csv", "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-07,workday,春节调休上班\n".encode()
    )

    refused = admin.post("/campaign/calendar/", {"csv-file": bad})
    assert "第3行" in refused.content.decode()
    assert not CalendarDay.objects.filter(district=district, date__year=2027).exists()

    admin.post("/campaign/calendar/", {"csv-file": good})
    assert list(
        CalendarDay.objects.filter(district=district, date__year=2027).values_list("kind", flat=True)
    ) == ["holiday", "workday"]


def test_district_viewer_reads_but_cannot_change_the_campaign(street_a, users, web_client, api_client):
    campaign = services.campaign_ensure(street_a.district)
    viewer = api_client(None, users["district_viewer"])

    assert viewer.get("/api/v1/campaigns/").json()["name"] == campaign.name
    response = viewer.patch("/api/v1/campaigns/", {"handle_amount": 48}, format="json")
    assert response.status_code == 403
    assert Campaign.objects.get(pk=campaign.pk).handle_amount == 24

    admin = api_client(None, users["district_admin"])
    assert (
        admin.patch("/api/v1/campaigns/", {"handle_amount": 12}, format="json").json()["handle_amount"] == 12
    )
    assert web_client(None, users["district_admin"]).get("/campaign/").status_code == 200
    assert web_client(None, users["district_admin"]).get("/campaign/progress/").status_code == 200
    assert web_client(street_a, users["street_staff"]).get("/campaign/").status_code == 200


def test_every_phase_lies_within_the_campaign_and_a_phase_outside_it_is_refused(street_a):
    """Issue 12 §12: the relief phase (to 次年3月底) no longer ends after the campaign."""
    from django.core.exceptions import ValidationError

    campaign = services.campaign_create_default(district=street_a.district, today=dt.date(2025, 11, 17))
    relief = campaign.phases.get(key="relief")

    assert all(campaign.starts_on <= p.starts_on and p.ends_on <= campaign.ends_on for p in campaign.phases.all())
    with pytest.raises(ValidationError):
        services.phase_update(phase=relief, starts_on=relief.starts_on, ends_on=campaign.ends_on + dt.timedelta(days=1))
    relief.refresh_from_db()
    assert relief.ends_on == dt.date(2026, 3, 31)


@pytest.mark.parametrize("day", [28, 29, 30, 31])
@pytest.mark.parametrize("year", [2026, 2027, 2028, 2100])  # 2028 leap; 2100 not (century rule)
def test_a_monthly_task_falls_on_its_day_or_the_month_end_all_year(year, day):
    import calendar

    dates = services.monthly_due_dates(dt.date(year, 1, day), dt.date(year, 12, 31))

    assert len(dates) == 12
    for month, date in enumerate(dates, start=1):
        month_end = calendar.monthrange(year, month)[1]
        assert (date.year, date.month) == (year, month)
        assert date.day == min(day, month_end)  # clamped in short months, never drifting afterwards
    assert dates[1] == dt.date(year, 2, min(day, 29 if calendar.isleap(year) else 28))
    assert dates[2] == dt.date(year, 3, day)


def test_a_monthly_task_across_the_new_year_and_a_period_that_ends_before_the_next_date():
    assert services.monthly_due_dates(dt.date(2027, 12, 31), dt.date(2028, 3, 30)) == [
        dt.date(2027, 12, 31), dt.date(2028, 1, 31), dt.date(2028, 2, 29),
    ]
    assert services.monthly_due_dates(dt.date(2027, 1, 31), dt.date(2027, 1, 30)) == []


def test_a_monthly_phase_task_dated_the_31st_gets_a_check_and_clock_per_month(street_a, users):
    from core.campaigns.models import Deliverable
    from core.deadlines.models import Clock

    campaign = services.campaign_ensure(street_a.district)
    monthly = Deliverable.objects.get(phase__campaign=campaign, key="monthly_progress")
    phase = monthly.phase
    first = dt.date(phase.starts_on.year, phase.starts_on.month, 31) if phase.starts_on.month in (1, 3, 5, 7, 8, 10, 12) \
        else dt.date(phase.starts_on.year, 12, 31)
    services.deliverable_update(deliverable=monthly, due_on=first)

    with tenant_context(street_a):
        services.deliverable_checks_ensure(office=street_a)
        clocks = Clock.objects.filter(kind="deliverable").count()
    periods = list(
        DeliverableCheck.objects.filter(street_office=street_a, deliverable=monthly)
        .order_by("period_due_on")
        .values_list("period_due_on", flat=True)
    )
    assert periods == services.monthly_due_dates(first, phase.ends_on) and periods
    assert clocks == DeliverableCheck.objects.filter(street_office=street_a).count()
    assert all(p.day == 31 or (p + dt.timedelta(days=1)).day == 1 for p in periods)
