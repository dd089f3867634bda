"""Domain events with a real broker and a real Celery worker (separate process) on the test database:
a committed service's event reaches its consumer through ``events.deliver`` once."""

from __future__ import annotations

import time

from django.db import connection
from django_tenants.utils import tenant_context

from core.events.models import Delivery, Event
from core.events.services import events_deliver, events_sweep
from core.notifications.models import Notification
from tests.committed import committed_place  # noqa: F401 - fixture


def _wait(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the worker")


def test_a_committed_event_is_delivered_by_the_worker_once(committed_place, celery_worker_process, django_db_blocker):  # noqa: F811
    from core.org.models import Community, Grid
    from core.requests.services import request_receive

    place = committed_place
    with django_db_blocker.unblock():
        try:
            with tenant_context(place.office):
                request = request_receive(  # commits: the event goes to the broker after the commit
                    actor=place.member("street_staff"),
                    channel="hotline",
                    category="heating",
                    description="楼道暖气管漏水",
                    requester_name="周大妈",
                    community=Community.objects.get(pk=place.community_id),
                    grid=Grid.objects.get(pk=place.grid_id),
                )
            connection.set_schema_to_public()
            event = Event.objects.get(event_type="request.created", subject_id=request.pk,
                                      schema_name=place.office.schema_name)
            delivery = Delivery.objects.get(event=event, consumer="notifications")

            _wait(lambda: Delivery.objects.filter(pk=delivery.pk, state="done").exists())
            mine = Notification.objects.filter(user=place.users["grid_worker"], kind="request.assigned",
                                               url=f"/requests/{request.pk}/")
            assert mine.count() == 1
            # a duplicate message and the sweeper change nothing
            assert events_deliver(event_ids=[event.pk])["done"] == 0
            events_sweep()
            delivery.refresh_from_db()
            assert (delivery.state, delivery.attempts) == ("done", 1)
            assert mine.count() == 1
        finally:
            connection.set_schema_to_public()
            place.cleanup()
