"""Deadlines set by a date (durations.ByDate) follow the district's calendar like working-day clocks:
look-backs (回头看), rectifications "by the 10th", campaign phase tasks. One engine path
(``clocks_retime_for_calendar``) re-times them, audited, and the responsible person is told when a
deadline moves earlier (issue 8 §3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import tenant_context

from core.audit.models import AuditEvent
from core.campaigns.models import CalendarDay, DeliverableCheck
from core.campaigns.services import (
    calendar_day_delete,
    calendar_day_set,
    campaign_ensure,
    deliverable_checks_ensure,
)
from core.deadlines.durations import LOCAL_TZ, ByDate, WorkCalendar, end_of_local_day
from core.deadlines.models import Clock
from core.notifications.models import Notification
from core.rectification import services as rect
from tenants.members import member_for

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL_TZ)  # Monday


def _admin(place):
    return member_for(place.users["district_admin"], None)


def _item(place, **kw):
    campaign_ensure(place.office.district)  # the plan's defaults: the 2026 calendar
    return rect.rectification_create(
        actor=place.member("street_staff"),
        source_type="upstream",
        source_note="区民政局督查反馈第3号",
        title="电线老化私拉乱接",
        community=place.community,
        grid=place.grid,
        responsible_user_id=place.users["grid_worker"].pk,
        now=T0,
        **kw,
    )


def _day(clock: Clock) -> dt.date:
    return clock.due_at.astimezone(LOCAL_TZ).date()


def test_by_date_arithmetic_moves_forward_then_counts_working_days_back():
    cal = WorkCalendar(holidays=frozenset({dt.date(2026, 12, 18)}), years=frozenset({2026}))
    assert ByDate(dt.date(2026, 12, 20)).due_day(cal) == dt.date(2026, 12, 21)  # Sunday -> Monday
    # three working days before Monday 12-21: Thu 12-17, Wed 12-16, Tue 12-15 (Fri 12-18 is off)
    assert ByDate(dt.date(2026, 12, 20), 3).due_day(cal) == dt.date(2026, 12, 15)
    assert ByDate(dt.date(2026, 12, 31)).missing_years(cal) == []
    assert ByDate(dt.date(2027, 1, 2)).missing_years(cal) == [2027]
    assert ByDate(dt.date(2027, 1, 4), 3).missing_years(cal) == [2027]  # counted back into 2026: 2027 unknown
    with pytest.raises(ValueError):
        ByDate(dt.date(2026, 12, 20), -1)


def test_a_lookback_is_retimed_when_its_day_becomes_a_holiday_and_told_when_it_comes_back(place):
    item = _item(place)
    rect.rectification_add_evidence(item=item, actor=place.member("grid_worker"), text="已修", now=T0)
    rect.rectification_fix(item=item, actor=place.member("grid_worker"), note="已修", now=T0)
    rect.rectification_verify(
        item=item, actor=place.member("community_director"), passed=True, note="合格", now=T0 + dt.timedelta(days=2)
    )
    lookback = Clock.objects.get(subject_id=item.pk, kind="lookback")
    assert _day(lookback) == dt.date(2026, 3, 18)  # 14 days after Wednesday 03-04
    assert lookback.due_on == dt.date(2026, 3, 18)

    day = calendar_day_set(
        district=place.office.district, date=dt.date(2026, 3, 18), kind="holiday", name="临时休假", actor=_admin(place)
    )

    lookback.refresh_from_db()
    assert _day(lookback) == dt.date(2026, 3, 19)
    event = AuditEvent.objects.get(action="clock.retime", object_id=str(lookback.pk))
    assert event.before["due_at"].startswith("2026-03-18") and "日历调整" in event.reason

    calendar_day_delete(day=CalendarDay.objects.get(pk=day.pk), actor=_admin(place))

    lookback.refresh_from_db()
    assert _day(lookback) == dt.date(2026, 3, 18)
    told = Notification.objects.get(kind="clock.moved_earlier", user=place.users["community_director"])
    assert "回头看" in told.title and "03-19 23:59" in told.title and "03-18 23:59" in told.title


def test_a_rectification_due_by_a_date_follows_the_calendar_also_in_its_second_round(place):
    item = _item(place, due_on=dt.date(2026, 3, 20))  # Friday
    first = Clock.objects.get(subject_id=item.pk, kind="rectify")
    assert _day(first) == dt.date(2026, 3, 20) and first.due_on == dt.date(2026, 3, 20)

    rect.rectification_add_evidence(item=item, actor=place.member("grid_worker"), text="已修", now=T0)
    rect.rectification_fix(item=item, actor=place.member("grid_worker"), note="已修", now=T0)
    rect.rectification_verify(
        item=item, actor=place.member("community_director"), passed=False, note="未修好", now=T0 + dt.timedelta(hours=2)
    )
    second = Clock.objects.get(subject_id=item.pk, kind="rectify", round=2)
    assert second.due_at == first.due_at and second.due_on == dt.date(2026, 3, 20)

    calendar_day_set(district=place.office.district, date=dt.date(2026, 3, 20), kind="holiday", actor=_admin(place))

    second.refresh_from_db()
    first.refresh_from_db()
    assert _day(second) == dt.date(2026, 3, 23)  # Monday
    assert _day(first) == dt.date(2026, 3, 20)  # met in round 1: history does not move


def test_phase_task_clocks_and_their_checks_follow_the_calendar(street_a, users):
    """The campaign's own dates (never today's): the first open check's due day becomes a holiday."""
    district = street_a.district
    admin = member_for(users["district_admin"], None)
    campaign_ensure(district)
    with tenant_context(street_a):
        deliverable_checks_ensure(office=street_a)
    check = (
        DeliverableCheck.objects.filter(street_office=street_a, done_at__isnull=True)
        .order_by("period_due_on", "pk")
        .first()
    )
    due_day = check.due_at.astimezone(LOCAL_TZ).date()
    with tenant_context(street_a):
        clock = Clock.objects.get(subject_type="campaigns.deliverablecheck", subject_id=check.pk)
    assert clock.due_at == check.due_at and clock.due_on == check.period_due_on

    day = calendar_day_set(district=district, date=due_day, kind="holiday", name="调整", actor=admin)

    check.refresh_from_db()
    with tenant_context(street_a):
        clock.refresh_from_db()
    later = WorkCalendar(holidays=frozenset({due_day})).next_working_day(due_day)
    assert later > due_day
    assert check.due_at == clock.due_at  # the phase task's own deadline follows its clock
    assert clock.due_at.astimezone(LOCAL_TZ).date() >= later
    with tenant_context(street_a):
        assert AuditEvent.objects.filter(action="clock.retime", object_id=str(clock.pk)).exists()
        # the ensure step agrees with the engine: nothing to move on the next scan
        deliverable_checks_ensure(office=street_a)
        assert AuditEvent.objects.filter(action="clock.retime", object_id=str(clock.pk)).count() == 1

    calendar_day_delete(day=CalendarDay.objects.get(pk=day.pk), actor=admin)

    check.refresh_from_db()
    with tenant_context(street_a):
        clock.refresh_from_db()
    assert check.due_at == clock.due_at == end_of_local_day(due_day)
    assert clock.due_on == check.period_due_on and clock.duration_unit == ""
