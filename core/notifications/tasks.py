from __future__ import annotations

from celery import shared_task
from django.db import OperationalError
from django_tenants.utils import schema_context

from core.notifications.services import outbox_deliver, outbox_dispatch_pending


@shared_task(
    name="notifications.outbox_deliver", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5
)
def outbox_deliver_task(*, outbox_ids: list[int]) -> dict:
    with schema_context("public"):
        return outbox_deliver(outbox_ids=outbox_ids)


@shared_task(
    name="notifications.outbox_dispatch", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3
)
def outbox_dispatch_task() -> dict:
    """Beat, every minute: send what is pending (queued while the broker was down, or due a retry)."""
    with schema_context("public"):
        return outbox_dispatch_pending()
