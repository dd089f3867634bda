"""Domain events (core.events, ADR 0040): recorded in the service's transaction, delivered to each
consumer once after the commit, retried with backoff, swept when the after-commit message is lost."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from core.events.models import Delivery, Event
from core.events.services import CONSUMERS, consumer, events_deliver, events_sweep, publish
from core.notifications.models import Notification
from core.rectification import services as rectification
from core.requests import services as requests
from tests.support import deliver_events

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
PAYLOAD = {"household_id": 7, "need_type": "coal", "url": "/needs/#need-1", "community_id": 1, "grid_id": None}


class Boom(Exception):
    pass


@pytest.fixture
def seen():
    """A test consumer of ``need.met``: records each event it handles and writes one notification
    for it (a database effect that must happen exactly once); ``seen.fail`` makes it raise first."""
    calls: list[int] = []
    state = {"fail": 0}

    @consumer("test.recorder", events=["need.met"])
    def record(event):
        from core.notifications.services import notify
        from tenants.models import User

        user = User.objects.get(username="a_street_staff")
        notify(user_ids=[user.pk], kind="test.need", title="需求已办结", dedupe_key=f"test:{event.pk}")
        calls.append(event.pk)
        if state["fail"]:
            state["fail"] -= 1
            raise Boom("consumer down")

    record.calls, record.state = calls, state
    yield record
    CONSUMERS.pop("test.recorder", None)


def _written(event_pk: int) -> int:
    return Notification.objects.filter(dedupe_key=f"test:{event_pk}").count()


def test_an_event_published_in_a_rolled_back_transaction_is_never_delivered(
    place, seen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Boom), transaction.atomic():
        publish("need.met", ("inspections.need", 1), PAYLOAD)
        raise Boom("the service failed after publishing")

    assert callbacks == []  # nothing is handed to the broker
    assert not Event.objects.filter(event_type="need.met").exists()
    events_sweep()
    assert seen.calls == []


def test_an_event_is_delivered_after_the_commit_and_only_once(place, seen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        event = publish("need.met", ("inspections.need", 1), PAYLOAD, actor=place.member("street_staff"))
        assert seen.calls == []  # nothing runs inside the publisher's transaction

    assert len(callbacks) == 1  # after the commit: hand the event to the broker
    assert Delivery.objects.get(event=event, consumer="test.recorder").state == "pending"
    assert event.schema_name == place.office.schema_name
    assert event.actor_user_id == place.users["street_staff"].pk
    consumers = Delivery.objects.filter(event=event).count()  # ours and the product's own (rollup, ...)
    assert events_deliver(event_ids=[event.pk]) == {"done": consumers, "retry": 0, "failed": 0, "busy": 0}
    events_deliver(event_ids=[event.pk])  # a duplicate message
    events_sweep()  # and the sweeper

    assert seen.calls == [event.pk]
    assert _written(event.pk) == 1
    assert Delivery.objects.get(event=event, consumer="test.recorder").state == "done"


def test_a_consumer_failing_twice_is_retried_with_backoff_then_succeeds_once(place, seen):
    seen.state["fail"] = 2
    event = publish("need.met", ("inspections.need", 1), PAYLOAD)
    now = timezone.now()

    assert events_deliver(event_ids=[event.pk], now=now)["retry"] == 1
    delivery = Delivery.objects.get(event=event, consumer="test.recorder")
    assert (delivery.attempts, delivery.next_attempt_at) == (1, now + dt.timedelta(minutes=2))
    assert "consumer down" in delivery.last_error
    assert _written(event.pk) == 0  # the failed attempt's writes were rolled back
    assert events_sweep(now=now + dt.timedelta(minutes=1))["picked"] == 0  # not due yet
    assert events_sweep(now=now + dt.timedelta(minutes=2))["retry"] == 1
    assert events_sweep(now=now + dt.timedelta(minutes=5))["picked"] == 0  # backoff doubled: 4 minutes
    assert events_sweep(now=now + dt.timedelta(minutes=6))["done"] == 1
    assert events_sweep(now=now + dt.timedelta(hours=3))["picked"] == 0

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("done", 3, "")
    assert len(seen.calls) == 3 and _written(event.pk) == 1


def test_a_consumer_that_keeps_failing_is_given_up_after_its_attempts(place, seen):
    seen.state["fail"] = 100
    event = publish("need.met", ("inspections.need", 1), PAYLOAD)
    moment = timezone.now()
    for _attempt in range(10):
        moment += dt.timedelta(hours=2)
        events_sweep(now=moment)

    delivery = Delivery.objects.get(event=event, consumer="test.recorder")
    assert (delivery.state, delivery.attempts) == ("failed", 10)
    assert events_sweep(now=moment + dt.timedelta(days=1))["picked"] == 0


def test_a_lost_after_commit_message_is_delivered_by_the_sweeper(place, seen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # the message never reaches a worker
        event = publish("need.met", ("inspections.need", 1), PAYLOAD)
    assert len(callbacks) == 1 and seen.calls == []

    swept = events_sweep()

    assert swept["done"] >= 1 and seen.calls == [event.pk]
    assert _written(event.pk) == 1


def test_unlisted_types_and_payloads_are_refused(place):
    with pytest.raises(ValueError, match="unknown event type"):
        publish("need.vanished", None, {})
    with pytest.raises(ValueError, match="missing \\['url'\\]"):
        publish("need.met", None, {k: v for k, v in PAYLOAD.items() if k != "url"})
    with pytest.raises(ValueError, match="not listed \\['secret'\\]"):
        publish("need.met", None, PAYLOAD | {"secret": 1})
    with pytest.raises(ValueError, match="unknown event type"):
        consumer("test.bad", events=["no.such"])(lambda event: None)


def test_every_listed_type_has_chinese_and_english_labels():
    from core.events.types import EVENT_TYPES

    required = {
        "request.created", "request.assigned", "request.closed", "request.overdue", "request.escalated",
        "rectification.created", "rectification.relapsed", "rectification.closed", "visit.saved",
        "need.created", "need.met", "problem.created", "problem.fixed", "household.created",
        "case.approved", "payment.made", "report.submitted",
    }
    assert required <= set(EVENT_TYPES)
    for kind in EVENT_TYPES.values():
        assert kind.label and not kind.label.isascii(), kind.name
        assert kind.label_en and kind.label_en.isascii(), kind.name


def test_notifications_are_the_first_consumer_of_rectification_events(place):
    item = rectification.rectification_create(
        actor=place.member("street_staff"),
        source_type="upstream",
        source_note="区民政局督查反馈第3号",
        title="电线老化私拉乱接",
        community=place.community,
        grid=place.grid,
        responsible_user_id=place.users["grid_worker"].pk,
        now=T0,
    )
    mine = Notification.objects.filter(user=place.users["grid_worker"], kind="rectification.assigned")
    assert not mine.exists()  # told after the commit, not inside the service

    deliver_events()
    deliver_events()

    assert list(mine.values_list("title", "url")) == [
        (f"整改任务：{item.number} 电线老化私拉乱接", f"/rectifications/{item.pk}/")
    ]
    event = Event.objects.get(event_type="rectification.created", subject_id=item.pk)
    assert event.subject_type == "rectification.rectification"
    assert event.payload["responsible_user_id"] == place.users["grid_worker"].pk
    assert event.occurred_at == T0


def test_a_new_request_publishes_request_created_and_its_assignee_is_told(place):
    obj = requests.request_receive(
        actor=place.member("street_staff"),
        channel="hotline",
        category="heating",
        description="暖气不热",
        requester_name="王大爷",
        community=place.community,
        grid=place.grid,
    )

    deliver_events()

    event = Event.objects.get(event_type="request.created", subject_id=obj.pk)
    assert event.payload["assignee_user_id"] == place.users["grid_worker"].pk
    note = Notification.objects.get(user=place.users["grid_worker"], kind="request.assigned")
    assert note.title == f"新诉求待响应：{obj.number} 取暖" and note.body == "王大爷：暖气不热"


def test_the_clock_scanner_publishes_the_events_the_request_domain_registered(place):
    """request.overdue when the respond clock passes its deadline, request.escalated as it climbs;
    a second scan publishes nothing again (the clock's state changes once)."""
    from core.deadlines.scanner import clock_scan_street
    from core.deadlines.services import clocks_of

    local = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    obj = requests.request_receive(
        actor=place.member("street_staff"),
        channel="hotline",
        category="heating",
        description="暖气不热",
        requester_name="张大爷",
        community=place.community,
        grid=place.grid,
        received_at=local,
        now=local,
    )
    respond = next(c for c in clocks_of(obj) if c.kind == "respond")

    clock_scan_street(office=place.office, now=local + dt.timedelta(hours=2), ensure_deliverables=False)
    published = Event.objects.filter(subject_id=obj.pk, event_type__in=["request.overdue", "request.escalated"])
    first = published.count()
    clock_scan_street(office=place.office, now=local + dt.timedelta(hours=2), ensure_deliverables=False)
    assert published.count() == first  # nothing changed, nothing published again

    overdue = Event.objects.filter(event_type="request.overdue", subject_id=obj.pk)
    assert [e.payload["clock_kind"] for e in overdue] == ["respond"]
    event = overdue.get()
    assert {k: v for k, v in event.payload.items() if k != "due_at"} == {
        "clock_id": respond.pk,
        "clock_kind": "respond",
        "responsible_user_id": place.users["grid_worker"].pk,
        "url": f"/requests/{obj.pk}/",
    }
    assert dt.datetime.fromisoformat(event.payload["due_at"]) == respond.due_at
    assert (event.subject_type, event.actor_user_id) == ("requests.citizenrequest", None)
    # One hour late the first step (community director) is taken and, two hours late, the next one.
    escalated = Event.objects.filter(event_type="request.escalated", subject_id=obj.pk).order_by("id")
    steps = [(e.payload["clock_kind"], e.payload["level"], e.payload["tier"]) for e in escalated]
    assert steps[0] == ("respond", 1, "community_director")
    assert [level for _kind, level, _tier in steps] == list(range(1, len(steps) + 1))
    assert not Event.objects.filter(event_type__startswith="rectification.").exists()
