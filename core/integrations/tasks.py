from __future__ import annotations

from celery import shared_task
from django.db import OperationalError
from django_tenants.utils import schema_context

from core.integrations.webhooks import deliveries_dispatch


@shared_task(
    name="integrations.webhooks_dispatch", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3
)
def webhooks_dispatch_task() -> dict:
    """After a commit that wrote deliveries, and by beat every minute: send what is due (new, retries)."""
    with schema_context("public"):
        return deliveries_dispatch()
