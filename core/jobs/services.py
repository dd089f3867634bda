"""Durable jobs: record first, dispatch after commit, sweep what waits, resume what a dead worker left.

Work that must happen (a roster import today; report runs and webhook deliveries tomorrow) is a
``Job`` row written in the caller's transaction. After the commit it is handed to the broker; if the
broker is unreachable the row simply stays ``waiting`` and the caller's page answers at once. The
sweeper (beat, every minute) sends what waits, re-sends what a broker lost and what a killed worker
left ``running``. A worker runs a job only while holding a PostgreSQL advisory lock on it, so two
copies of a message never run one job at the same time, and a lock that vanished with its worker
tells the sweeper the job is orphaned. Handlers must be resumable: running one again after a crash
must not duplicate what it wrote (the roster import writes in one transaction with its result).

ADR: docs/adr/0012-durable-jobs.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from core.jobs.models import Job

logger = logging.getLogger("nuandong.jobs")

# A message the broker accepted but no worker started after this long is sent again.
SENT_STALE_AFTER = dt.timedelta(minutes=10)
SWEEP_BATCH = 500
_LOCK_CLASS = 0x4A4F42  # "JOB": first key of the advisory lock (the job id is the second)


@dataclass(frozen=True)
class JobKind:
    """A registered kind of job: what runs it, on which queue, how many attempts before giving up."""

    name: str
    run: Callable[..., object]
    queue: str
    max_attempts: int = 3
    give_up: Callable[..., None] | None = None

    def enqueue(self, **params) -> Job:
        """Record a job of this kind in the current schema's name, sent once the transaction commits."""
        return job_enqueue(kind=self, **params)


KINDS: dict[str, JobKind] = {}


def job_handler(name: str, *, queue: str, max_attempts: int = 3, give_up: Callable[..., None] | None = None):
    """Register ``fn(**params)`` as the handler of jobs named ``name`` on queue kind ``queue``
    (``nuandong.queues.QUEUE_KINDS``). ``give_up(error=str, **params)`` runs in the job's schema when
    the last attempt failed. The decorated function gets an ``enqueue`` helper: ``fn.job.enqueue(**p)``."""

    def register(fn):
        kind = JobKind(name=name, run=fn, queue=queue, max_attempts=max_attempts, give_up=give_up)
        KINDS[name] = kind
        fn.job = kind
        return fn

    return register


def job_enqueue(*, kind: JobKind, **params) -> Job:
    """Write the job row in the caller's transaction; hand it to the broker after the commit.

    ``params`` must be JSON values. Never raises for a broker outage: the job then waits for the
    sweeper. Returns the saved ``Job``.
    """
    job = Job.objects.create(
        kind=kind.name, schema_name=connection.schema_name, params=params, queue=kind.queue
    )
    transaction.on_commit(lambda: job_send(job_ids=[job.pk]))
    return job


def job_send(*, job_ids: list[int]) -> int:
    """Hand unfinished jobs to the broker; returns how many it accepted. Stops at the first refusal
    (an unreachable broker fails fast: see the broker timeouts in settings) and logs it."""
    from celery import current_app

    from nuandong.queues import queue_name

    sent = 0
    with schema_context("public"):
        jobs = list(
            Job.objects.filter(
                pk__in=job_ids, state__in=[Job.State.WAITING, Job.State.SENT, Job.State.RUNNING]
            )
        )
    for job in jobs:
        try:
            current_app.send_task(
                "jobs.run", kwargs={"job_id": job.pk}, queue=queue_name(job.queue), retry=False
            )
        except Exception:  # noqa: BLE001 - broker unreachable: the row keeps the work for the sweeper
            logger.warning("broker unavailable: job %s waits for the sweeper", job.pk, exc_info=True)
            break
        with schema_context("public"):
            Job.objects.filter(pk=job.pk, state__in=[Job.State.WAITING, Job.State.SENT]).update(
                state=Job.State.SENT, sent_at=timezone.now()
            )
            # A job left running by a dead worker is marked sent again (the new message will run it).
            Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(
                state=Job.State.SENT, sent_at=timezone.now()
            )
        sent += 1
    return sent


def job_sweep(*, now: dt.datetime | None = None) -> dict:
    """Beat, every minute: send every waiting job, re-send a sent one no worker started within
    ``SENT_STALE_AFTER``, and re-send a running one whose worker is gone (its advisory lock is free).
    Returns counts ``{"waiting": n, "stale": n, "orphaned": n, "sent": n}``."""
    now = now or timezone.now()
    with schema_context("public"):
        waiting = list(Job.objects.filter(state=Job.State.WAITING).values_list("pk", flat=True)[:SWEEP_BATCH])
        stale = list(
            Job.objects.filter(state=Job.State.SENT, sent_at__lt=now - SENT_STALE_AFTER).values_list(
                "pk", flat=True
            )[:SWEEP_BATCH]
        )
        running = Job.objects.filter(state=Job.State.RUNNING).values_list("pk", flat=True)[:SWEEP_BATCH]
        orphaned = [pk for pk in running if _lock_is_free(pk)]
    sent = job_send(job_ids=waiting + stale + orphaned) if waiting or stale or orphaned else 0
    return {"waiting": len(waiting), "stale": len(stale), "orphaned": len(orphaned), "sent": sent}


def job_run(*, job_id: int) -> str:
    """Run one job in its schema (called by the worker task). Returns what happened:
    ``done``, ``error`` (will be retried by the sweeper), ``failed`` (gave up), ``finished`` (already
    done or failed: a duplicate message), ``busy`` (another worker holds it) or ``unknown``."""
    with schema_context("public"):
        if not _lock(job_id):
            return "busy"
        try:
            return _run_locked(job_id)
        finally:
            with schema_context("public"):
                _unlock(job_id)


def _run_locked(job_id: int) -> str:
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return "unknown"
    if job.is_finished:
        return "finished"
    kind = KINDS.get(job.kind)
    if kind is None:
        Job.objects.filter(pk=job_id).update(
            state=Job.State.FAILED, finished_at=timezone.now(), last_error=f"no handler for {job.kind}"
        )
        return "failed"
    Job.objects.filter(pk=job_id).update(
        state=Job.State.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    attempt = job.attempts + 1
    try:
        with _in_schema(job.schema_name):
            kind.run(**job.params)
    except Exception as exc:  # noqa: BLE001 - recorded on the job; the sweeper retries or we give up
        logger.exception("job %s (%s) failed, attempt %s", job_id, job.kind, attempt)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        with schema_context("public"):
            if attempt < kind.max_attempts:
                Job.objects.filter(pk=job_id).update(state=Job.State.WAITING, sent_at=None, last_error=error)
                return "error"
            Job.objects.filter(pk=job_id).update(
                state=Job.State.FAILED, finished_at=timezone.now(), last_error=error
            )
        if kind.give_up is not None:
            with _in_schema(job.schema_name):
                kind.give_up(error=error, **job.params)
        return "failed"
    with schema_context("public"):
        Job.objects.filter(pk=job_id).update(state=Job.State.DONE, finished_at=timezone.now())
    return "done"


@contextmanager
def _in_schema(schema_name: str):
    if schema_name == "public":
        with schema_context("public"):
            yield
        return
    from tenants.models import StreetOffice

    with schema_context("public"):
        office = StreetOffice.objects.get(schema_name=schema_name)
    with tenant_context(office):
        yield


def _lock(job_id: int, *, tries: int = 10) -> bool:
    # The sweeper probes the lock for a moment; a worker arriving then waits a little, not forever.
    for attempt in range(tries):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_CLASS, job_id])
            if cursor.fetchone()[0]:
                return True
        if attempt < tries - 1:
            time.sleep(0.1)
    return False


def _unlock(job_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_CLASS, job_id])


def _lock_is_free(job_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_CLASS, job_id])
        free = cursor.fetchone()[0]
        if free:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_CLASS, job_id])
    return free


def job_for(*, kind: str, **params) -> Job | None:
    """The latest job of ``kind`` in the current schema whose params contain ``params`` (for pages
    that show whether their work waits for the broker)."""
    schema = connection.schema_name
    with schema_context("public"):
        return (
            Job.objects.filter(kind=kind, schema_name=schema, params__contains=params).order_by("-pk").first()
        )
