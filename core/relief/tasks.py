"""Relief's daily work in every street office: flag late payments (-> problems), write the month's
expected payments, and open the current week's patrol clock (so a week without any patrol is
overdue too)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from tenants.models import PUBLIC_SCHEMA, StreetOffice


def relief_daily(*, now: dt.datetime | None = None, schemas: list[str] | None = None) -> dict:
    """Run the day's relief checks in each street office (or only ``schemas``); a failure in one
    street does not stop the others. Returns counts."""
    from core.relief.patrols import patrol_week_ensure
    from core.relief.payments import payments_check, payments_expect

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    totals = {"streets": 0, "expected": 0, "late": 0, "failed": 0}
    offices = StreetOffice.objects.exclude(schema_name=PUBLIC_SCHEMA)
    if schemas is not None:
        offices = offices.filter(schema_name__in=schemas)
    for office in offices:
        try:
            with tenant_context(office):
                totals["expected"] += payments_expect(month=today)
                totals["late"] += payments_check(now=now)
                patrol_week_ensure(day=today, now=now)
            totals["streets"] += 1
        except Exception:  # noqa: BLE001 - one street's failure is logged, the others still run
            import logging

            logging.getLogger(__name__).exception("relief daily check failed in %s", office.schema_name)
            totals["failed"] += 1
    return totals


@shared_task(name="relief.daily", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def relief_daily_task(*, schemas: list[str] | None = None) -> dict:
    """Beat, hourly (idempotent): payments due and late, the week's patrol clock."""
    with schema_context("public"):
        return relief_daily(schemas=schemas)
