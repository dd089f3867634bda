"""Frozen-time tests of the scanner: every state change and every escalation step, and idempotency."""

from __future__ import annotations

import datetime as dt

from core.deadlines.durations import LOCAL_TZ
from core.deadlines.models import Clock
from core.deadlines.scanner import clock_scan_street
from core.deadlines.selectors import on_time_rates
from core.notifications.models import Notification, Outbox
from core.requests.services import request_handle, request_receive, request_respond

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL_TZ)  # Monday


def at(minutes: int = 0, hours: int = 0) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes, hours=hours)


def scan(place, now):
    return clock_scan_street(office=place.office, now=now, ensure_deliverables=False)


def inbox(user) -> list[tuple[str, str]]:
    return [(n.kind, n.title.split("：")[0]) for n in Notification.objects.filter(user=user).order_by("id")]


def receive(place, **kw):
    return request_receive(
        actor=place.member("street_staff"),
        channel="hotline",
        category="heating",
        description="暖气不热",
        requester_name="张大爷",
        requester_phone="13900000001",
        community=place.community,
        grid=place.grid,
        received_at=T0,
        now=T0,
        **kw,
    )


def clock(request, kind) -> Clock:
    return Clock.objects.get(subject_type="requests.citizenrequest", subject_id=request.pk, kind=kind)


def test_three_clocks_start_at_receipt_from_the_policy(place):
    request = receive(place)

    respond, handle, feedback = (
        clock(request, "respond"),
        clock(request, "handle"),
        clock(request, "feedback"),
    )
    assert (respond.due_at, handle.due_at) == (at(hours=1), at(hours=24))
    # 3 working days, receipt day not counted: Tue 03-03, Wed 03-04, Thu 03-05.
    assert feedback.due_at == dt.datetime(2026, 3, 5, 23, 59, 59, tzinfo=LOCAL_TZ)
    assert {c.state for c in (respond, handle, feedback)} == {"on_track"}
    assert respond.responsible_user_id == place.users["grid_worker"].pk  # the grid's worker handles it
    assert (respond.rule, feedback.rule) == ("1 小时", "3 个工作日")


def test_on_track_then_due_soon_then_overdue_with_every_escalation_step(place):
    request = receive(place)
    grid, director = place.users["grid_worker"], place.users["community_director"]
    staff, leader, district = (
        place.users["street_staff"],
        place.users["street_leader"],
        place.users["district_admin"],
    )
    respond = clock(request, "respond")
    assert respond.warn_at == at(minutes=45)  # 80% of the hour, but at least 15 minutes ahead

    assert scan(place, at(minutes=44)) == {"due_soon": 0, "overdue": 0, "escalated": 0}

    assert scan(place, at(minutes=45)) == {"due_soon": 1, "overdue": 0, "escalated": 0}
    assert clock(request, "respond").state == "due_soon"
    assert inbox(grid)[-1] == ("due_soon", "即将到期")

    assert scan(place, at(minutes=60)) == {"due_soon": 0, "overdue": 1, "escalated": 0}
    respond = clock(request, "respond")
    assert (respond.state, respond.escalation_level, respond.next_escalation_at) == (
        "overdue",
        1,
        at(hours=2),
    )
    assert inbox(grid)[-1] == ("overdue", "已超时")
    assert inbox(director) == [("escalated", "超时督办（社区(村)主任）")]

    assert scan(place, at(minutes=119))["escalated"] == 0
    assert scan(place, at(hours=2))["escalated"] == 1
    assert inbox(staff) == [("escalated", "超时督办（街道民政办）")]
    assert scan(place, at(hours=3))["escalated"] == 1
    assert inbox(leader) == [("escalated", "超时督办（街道领导）")]
    assert scan(place, at(hours=4))["escalated"] == 1
    assert inbox(district) == [("district_digest", "超时督办汇总")]  # one digest per street and hour
    respond = clock(request, "respond")
    assert (respond.escalation_level, respond.next_escalation_at) == (4, None)
    assert scan(place, at(hours=9))["escalated"] == 0  # at the top: nothing more

    request_respond(
        request=request, actor=place.member("grid_worker"), note="已电话联系", at=at(hours=9, minutes=5)
    )
    assert clock(request, "respond").state == "met_late"


def test_running_the_scanner_twice_sends_nothing_twice(place):
    request = receive(place)
    first = scan(place, at(hours=2, minutes=30))
    notifications, outbox = Notification.objects.count(), Outbox.objects.count()

    second = scan(place, at(hours=2, minutes=30))

    assert first == {"due_soon": 0, "overdue": 1, "escalated": 1}  # overdue, then caught up one more tier
    assert second == {"due_soon": 0, "overdue": 0, "escalated": 0}
    assert (Notification.objects.count(), Outbox.objects.count()) == (notifications, outbox)
    assert clock(request, "respond").escalation_level == 2


def test_a_met_clock_is_on_time_or_late_and_leaves_the_scanner_alone(place):
    request = receive(place)
    request_respond(request=request, actor=place.member("grid_worker"), note="已上门", at=at(minutes=30))
    request_handle(request=request, actor=place.member("community_director"), note="已修好", at=at(hours=30))

    assert clock(request, "respond").state == "met_on_time"
    assert clock(request, "handle").state == "met_late"
    assert scan(place, at(hours=31)) == {"due_soon": 0, "overdue": 0, "escalated": 0}


def test_an_empty_tier_is_passed_over(place):
    from tenants.models import Membership

    Membership.objects.filter(user=place.users["community_director"], street_office=place.office).update(
        community_id=place.other_community.pk
    )
    receive(place)

    scan(place, at(minutes=61))

    assert inbox(place.users["community_director"]) == []
    assert inbox(place.users["street_staff"])[-1] == ("escalated", "超时督办（街道民政办）")


def test_on_time_rate_counts_open_but_overdue_as_late(place):
    on_time = receive(place)
    request_respond(request=on_time, actor=place.member("grid_worker"), note="已联系", at=at(minutes=20))
    receive(place)  # never responded: overdue after an hour
    other = request_receive(
        actor=place.member("street_staff"),
        channel="walk_in",
        category="food",
        description="缺米面",
        requester_name="李奶奶",
        community=place.other_community,
        grid=place.other_grid,
        received_at=T0,
        now=T0,
    )
    assert other.pk

    now = at(hours=2)  # not scanned: the rate must not depend on the scanner having run
    (street,) = on_time_rates(by="street", now=now, kinds=["respond"])
    by_grid = {r.key: r for r in on_time_rates(by="grid", now=now, kinds=["respond"])}

    assert (street.on_time, street.late, street.rate) == (1, 2, 1 / 3)
    assert (by_grid[place.grid.pk].on_time, by_grid[place.grid.pk].late) == (1, 1)
    assert by_grid[place.other_grid.pk].rate == 0.0
    before_due = on_time_rates(by="street", now=at(minutes=30), kinds=["respond"])[0]
    assert (before_due.on_time, before_due.late, before_due.open_not_due) == (1, 0, 2)


def test_the_district_gets_one_digest_per_street_and_hour_that_opens_its_overdue_list(place, web_client):
    district = place.users["district_admin"]
    first, second = receive(place), receive(place)
    for minutes in (45, 60):
        scan(place, at(minutes=minutes))
    for hours in (2, 3, 4):
        scan(place, at(hours=hours))

    assert clock(first, "respond").escalation_level == 4 and clock(second, "respond").escalation_level == 4
    digests = Notification.objects.filter(user=district)
    assert [(n.kind, n.url) for n in digests] == [("district_digest", f"/overdue/#overdue-{place.office.slug}")]

    scan(place, at(hours=5, minutes=30))  # the next hour's escalations fold into a new digest only if any
    assert Notification.objects.filter(user=district).count() == 1
    page = web_client(None, district).get("/notifications/").content.decode()
    assert f'href="/overdue/#overdue-{place.office.slug}"' in page
