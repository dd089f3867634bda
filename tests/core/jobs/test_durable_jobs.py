"""Background work survives the broker (issue 9): recorded first, sent after commit, swept when the
broker is back, resumed without duplicates after a worker is killed — with a real Redis made
unreachable (a closed port), real workers (separate processes) and the test database."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context
from openpyxl import Workbook

from core.jobs.models import Job
from core.jobs.services import job_handler, job_run, job_send, job_sweep
from core.registry.models import Person, RosterImport
from core.registry.roster import COLUMNS, roster_import_create
from tests.conftest import ROOT, _child_env
from tests.registry_places import committed_office, new_id
from tests.support import host_of


def _roster(place, marker: str, rows: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append([h for h, _k, _r in COLUMNS])
    for i in range(rows):
        values = {
            "社区(村)": place.community.name,
            "网格": place.grid.name,
            "住址": f"{marker}路{i}号",
            "姓名": f"{marker}{i}",
            "身份证号": new_id(),
            "与户主关系": "户主",
            "对象类别": "城乡低保对象",
        }
        ws.append([values.get(h, "") for h in [h for h, _k, _r in COLUMNS]])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@contextmanager
def broker_unreachable():
    """Point this process's Celery app at a port nobody listens on (a real connection refusal)."""
    from nuandong.celery import app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    previous = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    app._pool = None  # producer connections are pooled per broker: start from the dead one
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.broker_url = previous
        app._pool = None
        app.amqp._producer_pool = None


def _wait(predicate, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def _run_of(place, pk):
    with schema_context(place.office.schema_name):
        return RosterImport.objects.get(pk=pk)


def _count(place, marker):
    with schema_context(place.office.schema_name):
        return Person.objects.filter(name__startswith=marker).count()


def test_an_upload_while_the_broker_is_down_answers_at_once_and_runs_once_when_it_is_back(
    celery_worker_process, django_db_blocker
):
    with django_db_blocker.unblock():
        place = committed_office("wtjobs", "任务测试街道")
        marker = f"断线{new_id()[-6:]}"
        client = Client(HTTP_HOST=host_of(place.office))
        client.force_login(place.users["street_staff"])
        with broker_unreachable():
            started = time.monotonic()
            response = client.post(
                "/households/import/", {"file": SimpleUploadedFile("r.xlsx", _roster(place, marker, 3))}
            )
            answered_in = time.monotonic() - started
            assert response.status_code == 302, response.content.decode()[:500]
            page = client.get(response["Location"]).content.decode()
            run_pk = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
            job = Job.objects.get(
                kind="registry.roster_import", params__run_id=run_pk, schema_name=place.office.schema_name
            )
            assert job.state == "waiting"
            assert "已排队，服务恢复后自动开始" in page
            assert job_sweep()["sent"] == 0  # still down: it keeps waiting
        assert answered_in < 10, answered_in  # the 19 s wait on a dead broker is gone (connect timeout 2 s)
        assert _run_of(place, run_pk).status == "queued"

        swept = job_sweep()  # what beat does every minute, now that the broker answers
        assert swept["sent"] >= 1
        run = _wait(lambda: (r := _run_of(place, run_pk)).is_finished and r)
        job_send(job_ids=[job.pk])  # a duplicate message (a broker redelivery) does nothing
        time.sleep(2)
        job.refresh_from_db()
        persons = _count(place, marker)

    assert (run.status, run.created_persons, run.error_rows) == ("done", 3, 0)
    assert (job.state, job.attempts) == ("done", 1)
    assert persons == 3
    assert bytes(run.content) == b""


def test_a_worker_killed_mid_import_leaves_it_resumable_without_duplicate_rows(
    celery_worker_process, django_db_blocker
):
    from nuandong.celery import app
    from nuandong.queues import queue_name

    base = f"kill-{os.getpid()}"
    node = f"{base}@{socket.gethostname()}"
    env = _child_env() | {"NUANDONG_CELERY_QUEUE": base}
    log = ROOT / "var" / "test-output" / f"celery-{base}.log"
    with open(log, "wb") as log_file:
        doomed = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "nuandong",
                "worker",
                "-P",
                "solo",
                "-Q",
                queue_name("imports", base),
                "-l",
                "INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-n",
                node,
            ],
            env=env,
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(lambda: app.control.inspect(timeout=1, destination=[node]).ping(), timeout=60)
        with django_db_blocker.unblock():
            place = committed_office("wtjobs", "任务测试街道")
            marker = f"中断{new_id()[-6:]}"
            content = _roster(place, marker, 3000)
            previous = app.conf.task_default_queue
            app.conf.task_default_queue = base  # this upload goes to the worker about to be killed
            try:
                with schema_context(place.office.schema_name):
                    from tenants.members import member_for

                    member = member_for(place.users["street_staff"], place.office)
                    run = roster_import_create(actor=member, filename="big.xlsx", content=content)
            finally:
                app.conf.task_default_queue = previous
            job = Job.objects.get(
                kind="registry.roster_import", params__run_id=run.pk, schema_name=place.office.schema_name
            )
            _wait(lambda: Job.objects.get(pk=job.pk).state == "running", timeout=60)
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(10)

            assert _run_of(place, run.pk).status != "done"
            assert _count(place, marker) == 0  # nothing half written
            assert Job.objects.get(pk=job.pk).state == "running"  # left behind by the dead worker
            _wait(lambda: job_sweep()["orphaned"] == 1, timeout=30)  # its lock vanished with it
            run = _wait(lambda: (r := _run_of(place, run.pk)).is_finished and r, timeout=180)
            # the job row is marked done just after the handler's own commit: wait for it, not race it
            job = _wait(lambda: (j := Job.objects.get(pk=job.pk)).state != "running" and j, timeout=60)
            persons = _count(place, marker)
    finally:
        if doomed.poll() is None:
            doomed.kill()

    assert (run.status, run.created_persons, run.error_rows) == ("done", 3000, 0), run.failure
    assert (job.state, job.attempts) == ("done", 2)
    assert persons == 3000


# --- the kernel's own rules (no broker needed) -------------------------------------------------
_calls: list = []


def _gave_up(*, error: str, n: int) -> None:
    _calls.append(("gave up", n, error))


@job_handler("tests.always_fails", queue="default", max_attempts=2, give_up=_gave_up)
def _always_fails(*, n: int) -> None:
    _calls.append(("ran", n))
    raise RuntimeError("boom")


@pytest.mark.django_db
def test_a_failing_job_waits_for_the_sweeper_then_gives_up_after_its_attempts():
    _calls.clear()
    job = Job.objects.create(
        kind="tests.always_fails", schema_name="public", params={"n": 7}, queue="default"
    )
    assert job_run(job_id=job.pk) == "error"
    job.refresh_from_db()
    assert (job.state, job.attempts, job.last_error) == ("waiting", 1, "RuntimeError: boom")
    assert job_run(job_id=job.pk) == "failed"
    assert job_run(job_id=job.pk) == "finished"
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("failed", 2)
    assert _calls == [("ran", 7), ("ran", 7), ("gave up", 7, "RuntimeError: boom")]


@pytest.mark.django_db
def test_a_job_held_by_another_worker_is_not_run_twice():
    import psycopg
    from django.db import connection

    job = Job.objects.create(
        kind="tests.always_fails", schema_name="public", params={"n": 1}, queue="default"
    )
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [0x4A4F42, job.pk])
        assert job_run(job_id=job.pk) == "busy"
    finally:
        other.close()
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("waiting", 0)
