"""A deadline never silently uses a calendar it does not have: working-day clocks crossing a year the
district has not loaded are provisional (shown, people told) and re-timed when the year is loaded;
changing the calendar re-times every open working-day clock of the district (audited, told when earlier)."""

from __future__ import annotations

import datetime as dt

from core.audit.models import AuditEvent
from core.campaigns.models import CalendarDay
from core.campaigns.services import calendar_day_delete, calendar_day_set, calendar_import, calendar_years
from core.deadlines.durations import LOCAL_TZ, end_of_local_day
from core.deadlines.models import Clock
from core.notifications.models import Notification
from core.requests import services as request_services
from tenants.members import member_for


def _local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL_TZ)


def _receive(place, at: dt.datetime):
    from core.campaigns.services import campaign_ensure

    campaign_ensure(place.office.district)  # the plan's defaults: the 2026 calendar
    return request_services.request_receive(
        actor=place.member("street_staff"),
        channel="hotline",
        category="heating",
        description="暖气不热",
        requester_name="王大妈",
        community=place.community,
        grid=place.grid,
        assignee_user_id=place.users["grid_worker"].pk,
        received_at=at,
        now=at + dt.timedelta(minutes=1),
    )


def _feedback(request) -> Clock:
    return Clock.objects.get(subject_id=request.pk, subject_type="requests.citizenrequest", kind="feedback")


def test_a_clock_crossing_an_unloaded_year_is_provisional_told_and_retimed_when_the_year_is_loaded(
    place, web_client, api_client
):
    district = place.office.district

    request = _receive(place, _local(2026, 12, 30, 10, 0))  # Wednesday
    assert 2027 not in calendar_years(district) and 2026 in calendar_years(district)
    clock = _feedback(request)

    # 12-31 Thu, 01-01 (unknown year: weekday rule) Fri, 01-04 Mon
    assert clock.due_at == end_of_local_day(dt.date(2027, 1, 4))
    assert clock.calendar_missing == "2027" and clock.is_provisional
    grid_worker, admin = place.users["grid_worker"], place.users["district_admin"]
    told = Notification.objects.get(user=grid_worker, kind="clock.provisional")
    assert "2027年" in told.title and told.url == f"/requests/{request.pk}/"
    admin_told = Notification.objects.get(user=admin, kind="calendar.missing")
    assert "2027年" in admin_told.title
    # shown where the clock is shown: the API and the request page
    api = api_client(place.office, place.users["street_staff"]).get(f"/api/v1/requests/{request.pk}/").json()
    feedback = next(c for c in api["clocks"] if c["kind"] == "feedback")
    assert feedback["provisional"] is True and feedback["calendar_missing"] == "2027"
    assert [c["provisional"] for c in api["clocks"] if c["kind"] != "feedback"] == [False, False]
    page = (
        web_client(place.office, place.users["street_staff"]).get(f"/requests/{request.pk}/").content.decode()
    )
    assert "暂估：2027年日历未载入" in page
    # a second clock into 2027 tells the district admin nothing new (once per year)
    _receive(place, _local(2026, 12, 31, 9, 0))
    assert Notification.objects.filter(user=admin, kind="calendar.missing").count() == 1

    result = calendar_import(
        district=district,
        text="date,kind,name\n2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n",
        actor=member_for(admin, None),
    )

    clock.refresh_from_db()
    assert result["retimed"] == 2
    assert clock.due_at == end_of_local_day(dt.date(2027, 1, 5))
    assert clock.calendar_missing == "" and not clock.is_provisional
    retime = AuditEvent.objects.get(action="clock.retime", object_id=str(clock.pk))
    assert "2027" in retime.reason
    assert (
        "暂估"
        not in web_client(place.office, place.users["street_staff"])
        .get(f"/requests/{request.pk}/")
        .content.decode()
    )


def test_adding_a_holiday_retimes_open_clocks_and_removing_it_tells_that_the_deadline_moved_earlier(place):
    district = place.office.district
    before_change = _receive(place, _local(2026, 12, 1, 10, 0))  # Tuesday
    clock = _feedback(before_change)
    met = _receive(place, _local(2026, 12, 1, 11, 0))
    met_clock = _feedback(met)
    Clock.objects.filter(pk=met_clock.pk).update(met_at=_local(2026, 12, 1, 12, 0), state="met_on_time")
    assert clock.due_at == end_of_local_day(dt.date(2026, 12, 4))  # Friday
    admin = member_for(place.users["district_admin"], None)

    day = calendar_day_set(
        district=district, date=dt.date(2026, 12, 3), kind="holiday", name="临时休假", actor=admin
    )

    clock.refresh_from_db()
    assert clock.due_at == end_of_local_day(dt.date(2026, 12, 7))  # Thu off: Wed, Fri, Mon
    after_change = _feedback(_receive(place, _local(2026, 12, 1, 10, 30)))
    assert after_change.due_at == clock.due_at
    met_clock.refresh_from_db()
    assert met_clock.due_at == end_of_local_day(dt.date(2026, 12, 4))  # a met clock is history
    event = AuditEvent.objects.get(action="clock.retime", object_id=str(clock.pk))
    assert event.before["due_at"].startswith("2026-12-04") and event.after["due_at"].startswith("2026-12-07")
    assert not Notification.objects.filter(kind="clock.moved_earlier").exists()  # later is no news

    calendar_day_delete(day=CalendarDay.objects.get(pk=day.pk), actor=admin)

    clock.refresh_from_db()
    assert clock.due_at == end_of_local_day(dt.date(2026, 12, 4))
    earlier = Notification.objects.filter(kind="clock.moved_earlier", user=place.users["grid_worker"])
    assert earlier.count() == 2  # both open feedback clocks moved back to Friday
    assert "12-07 23:59" in earlier.first().title and "12-04 23:59" in earlier.first().title


def test_calendar_without_tracked_years_is_never_provisional():
    from core.deadlines.durations import Duration, WorkCalendar, due_after, working_days_missing_years

    start = _local(2026, 12, 30, 10, 0)
    due = due_after(start, Duration(3, "working_days"), WorkCalendar())
    assert working_days_missing_years(start, due, WorkCalendar()) == []
    assert working_days_missing_years(start, due, WorkCalendar(years=frozenset({2026}))) == [2027]
    assert working_days_missing_years(start, due, WorkCalendar(years=frozenset({2026, 2027}))) == []
