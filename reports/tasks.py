"""Report tasks: generate one run (in its schema, on the reports queue) and the sweeper."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError
from tenant_schemas_celery.task import TenantTask


@shared_task(base=TenantTask, name="reports.report_run", autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=3, acks_late=True)
def report_run_task(*, run_id: int) -> dict:
    from reports.services import report_run_execute

    run = report_run_execute(run_id=run_id)
    return {"run_id": run.pk, "status": run.status}


@shared_task(name="reports.runs_sweep")
def report_runs_sweep_task() -> int:
    """Every few minutes, in every schema: runs the broker never delivered, or a killed worker left."""
    from django_tenants.utils import get_tenant_model, schema_context

    from reports.services import report_runs_sweep

    total = 0
    for schema in get_tenant_model().objects.values_list("schema_name", flat=True):
        with schema_context(schema):
            total += report_runs_sweep()
    return total
