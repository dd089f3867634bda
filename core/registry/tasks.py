"""Registry background work: the roster import as a durable job (core/jobs) on the imports queue,
and the hourly purge of roster files past their retention."""

from __future__ import annotations

from celery import shared_task
from django_tenants.utils import get_tenant_model, tenant_context

from core.jobs.services import job_handler
from core.registry.models import RosterImport
from core.registry.roster import _finish, roster_files_purge, roster_import_run, roster_requeue_orphans


def _give_up(*, run_id: int, error: str) -> None:
    run = RosterImport.objects.filter(pk=run_id).first()
    if run is not None and not run.is_finished:
        _finish(run, failure="导入多次出错，已停止；请重新上传，如仍失败请联系管理员")


@job_handler("registry.roster_import", queue="imports", give_up=_give_up)
def roster_import_job(*, run_id: int) -> None:
    """Run the import of one uploaded roster in the street's schema (the job carries the schema)."""
    run = RosterImport.objects.filter(pk=run_id).first()
    if run is not None:
        roster_import_run(run=run)


@shared_task(name="registry.roster_files_purge")
def roster_files_purge_task() -> int:
    """Hourly (beat), in every street office: delete roster files past their retention, and give a
    durable job to any queued run that has none (uploaded before jobs existed)."""
    count = 0
    for office in get_tenant_model().objects.exclude(schema_name="public"):
        with tenant_context(office):
            count += roster_files_purge()
            roster_requeue_orphans()
    return count
