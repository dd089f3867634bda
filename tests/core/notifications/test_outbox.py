"""The outbox: every channel delivered once, failures retried later, nothing lost when the broker is down."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from core.notifications.models import Notification, Outbox
from core.notifications.services import notify, outbox_deliver, outbox_dispatch_pending


@pytest.fixture
def reader(users):
    user = users["street_staff"]
    user.email, user.mobile = "staff@example.org", "13700000000"
    user.save(update_fields=["email", "mobile"])
    return user


def test_notify_writes_inbox_and_one_outbox_row_per_channel_once(db, reader, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    first = notify(user_ids=[reader.pk], kind="test", title="测试通知", dedupe_key="k1")
    again = notify(user_ids=[reader.pk], kind="test", title="测试通知", dedupe_key="k1")

    assert len(first) == 1 and again == []
    rows = Outbox.objects.filter(notification__user=reader)
    assert sorted(rows.values_list("channel", "address")) == [
        ("email", "staff@example.org"),
        ("sms", "13700000000"),
    ]
    result = outbox_dispatch_pending()
    assert result == {"sent": 2, "retry": 0, "failed": 0, "picked": 2}
    assert [m.to for m in mail.outbox] == [["staff@example.org"]]
    assert outbox_dispatch_pending()["picked"] == 0  # sent rows are never sent again


def test_a_failing_channel_is_retried_later_then_given_up(db, reader, settings):
    settings.NUANDONG_SMS_BACKEND = "tests.core.notifications.test_outbox.BrokenSms"
    settings.NUANDONG_NOTIFY_CHANNELS = ["sms"]
    notify(user_ids=[reader.pk], kind="test", title="短信", dedupe_key="k2")
    row = Outbox.objects.get(notification__user=reader)
    now = timezone.now()

    assert outbox_deliver(outbox_ids=[row.pk], now=now) == {"sent": 0, "retry": 1, "failed": 0}
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, now + dt.timedelta(minutes=2))
    assert "provider down" in row.last_error
    assert outbox_dispatch_pending(now=now + dt.timedelta(minutes=1))["picked"] == 0  # not yet due again
    for _attempt in range(2, 9):
        outbox_deliver(outbox_ids=[row.pk], now=now)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 8)


class BrokenSms:
    def send(self, mobile, text):
        raise ConnectionError("provider down")


def test_the_inbox_api_lists_and_marks_read(db, reader, api_client, street_a):
    notify(user_ids=[reader.pk], kind="test", title="一", dedupe_key="a")
    notify(user_ids=[reader.pk], kind="test", title="二", dedupe_key="b")
    client = api_client(street_a, reader)

    assert [n["title"] for n in client.get("/api/v1/notifications/?unread=1").json()] == ["二", "一"]
    assert client.post("/api/v1/notifications/read/", {}, format="json").json() == {"marked": 2}
    assert client.get("/api/v1/notifications/?unread=1").json() == []


@contextlib.contextmanager
def broker_down():
    """Point this process's Celery app at a port where no broker listens (the worker keeps the real one)."""
    from nuandong.celery import app

    real = app.conf.broker_url

    def reset():
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url = "redis://127.0.0.1:9/0"
    reset()
    try:
        yield
    finally:
        app.conf.broker_url = real
        reset()


def test_broker_down_request_saved_and_notification_delivered_after_broker_returns(
    committed_place,
    celery_worker_process,
    django_db_blocker,
    caplog,  # noqa: F811
):
    from core.events.services import events_sweep
    from core.notifications.tasks import outbox_dispatch_task
    from core.org.models import Community, Grid
    from core.requests.models import CitizenRequest
    from core.requests.services import request_receive

    place = committed_place
    with django_db_blocker.unblock():
        try:
            with broker_down(), tenant_context(place.office):
                request = request_receive(
                    actor=place.member("street_staff"),
                    channel="hotline",
                    category="heating",
                    description="断暖",
                    requester_name="孙大爷",
                    community=Community.objects.get(pk=place.community_id),
                    grid=Grid.objects.get(pk=place.grid_id),
                )
                assert CitizenRequest.objects.filter(pk=request.pk).exists()  # saved, despite the broker
                # The event's after-commit message was refused too: the events sweeper (beat) hands it
                # to its consumers, notifications among them. (The committed database may hold other
                # tests' pending deliveries ahead of ours: sweep until nothing is due.)
                for _ in range(50):
                    if not events_sweep()["picked"]:
                        break
            assert "broker unavailable, notifications.outbox_deliver left for the dispatcher" in caplog.text
            connection.set_schema_to_public()
            notification = Notification.objects.get(user=place.users["grid_worker"], kind="request.assigned")
            assert set(notification.deliveries.values_list("channel", "status")) == {
                ("email", "pending"),
                ("sms", "pending"),
            }

            # The broker is back: the periodic dispatcher, run by a real worker, sends what was left.
            result = outbox_dispatch_task.apply_async().get(timeout=30)

            assert result["sent"] >= 2
            assert set(notification.deliveries.values_list("channel", "status")) == {
                ("email", "sent"),
                ("sms", "sent"),
            }
        finally:
            connection.set_schema_to_public()
            place.cleanup()


def test_a_district_admin_reads_street_escalations_on_the_district_site(db, users, street_a, web_client):
    notify(
        user_ids=[users["district_admin"].pk],
        kind="escalated",
        title="超时督办（区民政局）：诉求",
        dedupe_key="e1",
        url="/requests/7/",
        street_office=street_a,
    )

    page = web_client(None, users["district_admin"]).get("/notifications/").content.decode()

    assert 'href="http://ta.localhost/requests/7/"' in page and "甲街道" in page
