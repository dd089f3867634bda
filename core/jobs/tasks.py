"""Worker side of the durable jobs: run one job, sweep every minute (beat)."""

from __future__ import annotations

from celery import shared_task

from core.jobs.services import job_run, job_sweep


@shared_task(name="jobs.run", acks_late=True, reject_on_worker_lost=True)
def job_run_task(*, job_id: int) -> str:
    return job_run(job_id=job_id)


@shared_task(name="jobs.sweep")
def job_sweep_task() -> dict:
    return job_sweep()
