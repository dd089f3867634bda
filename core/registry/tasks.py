"""Registry tasks: the roster import runs in a worker, in the street's schema (tenant-schemas-celery)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError
from tenant_schemas_celery.task import TenantTask

from core.registry.models import RosterImport
from core.registry.roster import roster_import_run


@shared_task(
    base=TenantTask,
    name="registry.roster_import",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def roster_import_task(*, run_id: int) -> dict:
    run = roster_import_run(run=RosterImport.objects.get(pk=run_id))
    return {"run_id": run.pk, "status": run.status, "processed": run.processed_rows, "errors": run.error_rows}
