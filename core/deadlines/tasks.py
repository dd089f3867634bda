from __future__ import annotations

from celery import shared_task
from django.db import OperationalError
from django_tenants.utils import schema_context

from core.deadlines.scanner import clock_scan


@shared_task(
    name="deadlines.scan", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3, expires=55
)
def clock_scan_task(*, schemas: list[str] | None = None) -> dict:
    """Beat, every minute: clocks turning due-soon / overdue, notifications and escalation.

    ``schemas`` limits the scan to some street offices (operations, tests); the beat scans all.
    """
    with schema_context("public"):
        return clock_scan(schemas=schemas)
