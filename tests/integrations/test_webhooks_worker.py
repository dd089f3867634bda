"""The whole way with real processes: a committed request → its domain event → a real Celery worker
runs the webhooks consumer and the dispatch task → a receiver on 127.0.0.1 gets the signed POST."""

from __future__ import annotations

import json
import time

from django.db import connection, transaction
from django_tenants.utils import tenant_context

from tests.committed import committed_place  # noqa: F401 - fixture


def test_a_committed_request_reaches_the_receiver_through_the_worker(
    committed_place, celery_worker_process, receiver, django_db_blocker  # noqa: F811
):
    from core.integrations.models import WebhookSubscription
    from core.integrations.webhooks import subscription_create
    from core.org.models import Community
    from core.requests import services as requests

    place = committed_place
    with django_db_blocker.unblock():
        sub, receiver.secret = subscription_create(
            actor=place.member("street_staff"), name="worker test", url=receiver.url, event_types=["request.created"])
        try:
            with tenant_context(place.office), transaction.atomic():
                made = requests.request_receive(
                    actor=place.member("street_staff"), channel="hotline", category="heating", description="暖气不热",
                    requester_name="王大妈", community=Community.objects.get(pk=place.community_id),
                )
                number = made.number
            connection.set_schema_to_public()
            deadline = time.monotonic() + 120  # two shared CPUs: the worker may be slow to pick up
            while not receiver.received and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1)  # a duplicate would arrive now

            assert len(receiver.received) == 1, (receiver.received, _deliveries(sub))
            [got] = receiver.received
            assert got["valid"]
            assert json.loads(got["body"])["data"]["number"] == number
        finally:
            WebhookSubscription.objects.filter(pk=sub.pk).delete()


def _deliveries(sub) -> list:
    from core.integrations.models import WebhookDelivery

    return list(WebhookDelivery.objects.filter(subscription=sub).values("status", "attempts", "last_error"))
