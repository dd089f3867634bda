"""Report runs as durable jobs (core.jobs) on the reports queue: recorded with the run, sent after
commit, swept when the broker was down, resumed when a worker died."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from core.jobs.services import job_handler


def _give_up(*, run_id: int, error: str) -> None:
    from django.utils import timezone

    from reports.models import ReportRun

    ReportRun.objects.filter(pk=run_id).exclude(status=ReportRun.Status.DONE).update(
        status=ReportRun.Status.FAILED, failure="多次生成出错，已停止；请重新生成 / generation failed repeatedly",
        finished_at=timezone.now(),
    )


@job_handler("reports.report_run", queue="reports", give_up=_give_up)
def report_run_job(*, run_id: int) -> None:
    """Generate one report run in its schema (the job carries the schema)."""
    from reports.services import report_run_execute

    report_run_execute(run_id=run_id)


def submission_slots_all(*, now=None, schemas: list[str] | None = None) -> dict:
    """``submission_slots_ensure`` in every street office (or only ``schemas``); one street's failure
    is logged and the others still run. Returns ``{"streets", "created", "failed"}``."""
    import logging

    from django_tenants.utils import tenant_context

    from reports.submissions import submission_slots_ensure
    from tenants.models import PUBLIC_SCHEMA, StreetOffice

    totals = {"streets": 0, "created": 0, "failed": 0}
    offices = StreetOffice.objects.exclude(schema_name=PUBLIC_SCHEMA).filter(district__isnull=False)
    if schemas is not None:
        offices = offices.filter(schema_name__in=schemas)
    for office in offices.order_by("pk"):
        try:
            with tenant_context(office):
                totals["created"] += submission_slots_ensure(now=now)
            totals["streets"] += 1
        except Exception:  # noqa: BLE001 - one street's failure is logged, the others still run
            logging.getLogger(__name__).exception("submission slots failed in %s", office.schema_name)
            totals["failed"] += 1
    return totals


@shared_task(name="reports.submission_slots", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def submission_slots_task(*, schemas: list[str] | None = None) -> dict:
    """Beat, hourly (idempotent): submission slots of the report periods that have begun."""
    from django_tenants.utils import schema_context

    with schema_context("public"):
        return submission_slots_all(schemas=schemas)
