"""Report runs as durable jobs (core.jobs) on the reports queue: recorded with the run, sent after
commit, swept when the broker was down, resumed when a worker died."""

from __future__ import annotations

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
