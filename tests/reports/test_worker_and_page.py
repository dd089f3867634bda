"""Report runs through a real Celery worker, and the reports page in Chromium at phone and desktop size."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from tests.registry_places import committed_office, full_items, new_id
from tests.support import DEMO_TEST_PASSWORD, host_of


def _office_with_a_need(slug: str, name: str):
    from core.inspections.services import visit_record
    from core.registry.services import household_register, person_register
    from tenants.members import member_for

    place = committed_office(slug, name)
    with schema_context(place.office.schema_name):
        staff = member_for(place.users["street_staff"], place.office)
        household = household_register(actor=staff, community=place.community, grid=place.grid,
                                       address=f"报表路{new_id()[-4:]}号", phone="13911112222")
        person = person_register(actor=staff, household=household, name="赵大爷", id_number=new_id(),
                                 categories=["dibao"], relation="head")
        visit_record(actor=member_for(place.users["grid_worker"], place.office), household=household, kind="home",
                     items=full_items(), needs=[{"need_type": "clothing", "quantity": 1, "urgency": "urgent",
                                                 "description": "棉被一床", "person_id": person.pk}])
    return place


def _wait_done(run_id, seconds=180):
    from reports.models import ReportRun

    deadline = time.monotonic() + seconds
    while ReportRun.objects.get(pk=run_id).status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
    return ReportRun.objects.get(pk=run_id)


def test_a_report_run_is_generated_by_a_real_worker_exactly_once(celery_worker_process, django_db_blocker):
    from celery import current_app
    from django.db import transaction

    from core.jobs.services import job_for
    from nuandong.queues import queue_name
    from reports.services import report_run_create
    from tenants.members import member_for

    with django_db_blocker.unblock():
        place = _office_with_a_need("rptworker", "报表工人街道")
        today = dt.date.today()
        with schema_context(place.office.schema_name):
            with transaction.atomic():  # the job is sent on commit, like a page or the API would
                run = report_run_create(actor=member_for(place.users["street_staff"], place.office),
                                        kind="needs_ledger", fmt="pdf", first=today - dt.timedelta(days=2),
                                        last=today + dt.timedelta(days=1))
            run = _wait_done(run.pk)
            job = job_for(kind="reports.report_run", run_id=run.pk)
            # a second copy of the message (a broker redelivery) does nothing
            again = current_app.send_task("jobs.run", kwargs={"job_id": job.pk}, queue=queue_name("reports"))
            assert again.get(timeout=60) == "finished"
            run.refresh_from_db()
            data = Path(run.file.path).read_bytes()

    assert run.status == "done" and run.attempts == 1
    assert hashlib.sha256(data).hexdigest() == run.sha256


def test_a_run_a_dead_worker_left_is_swept_and_finished_once(celery_worker_process, django_db_blocker):
    from django_tenants.utils import schema_context as in_schema

    from core.jobs.models import Job
    from core.jobs.services import job_sweep
    from reports.models import ReportRun

    with django_db_blocker.unblock():
        place = _office_with_a_need("rptworker", "报表工人街道")
        today = dt.date.today()
        with schema_context(place.office.schema_name):
            # what a worker killed mid-run leaves: the run "running", its job "running", no lock held
            run = ReportRun.objects.create(
                kind="needs_ledger", fmt="pdf", title="中断的报表", status="running", attempts=1,
                params={"first": (today - dt.timedelta(days=2)).isoformat(), "last": today.isoformat(),
                        "community_id": None},
                created_by_user_id=place.users["street_staff"].pk, started_at=dt.datetime.now(dt.UTC),
            )
        with in_schema("public"):
            job = Job.objects.create(kind="reports.report_run", schema_name=place.office.schema_name,
                                     params={"run_id": run.pk}, queue="reports", state="running", attempts=1)
        assert job_sweep()["orphaned"] >= 1
        with schema_context(place.office.schema_name):
            run = _wait_done(run.pk)
        with in_schema("public"):
            job.refresh_from_db()

    assert run.status == "done" and run.sha256 and job.state == "done"


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [(390, 844), (1366, 768)], ids=["phone", "desktop"])
def test_street_staff_generates_a_ledger_and_sees_its_hash(viewport, live_url, celery_worker_process, browser,
                                                           artifacts_dir, django_db_blocker):
    from reports.models import ReportRun

    with django_db_blocker.unblock():
        place = _office_with_a_need("rptpage", "报表页面街道")
        base = live_url.format(host=host_of(place.office))
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/accounts/login/?next=/reports/")
    page.fill("#id_username", place.users["street_staff"].username)
    page.fill("#id_password", DEMO_TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/reports/")
    size = f"{viewport[0]}x{viewport[1]}"
    page.screenshot(path=str(artifacts_dir / f"reports-1-page-{size}.png"), full_page=True)
    page.select_option("#id_kind", "needs_ledger")
    today = dt.date.today()
    page.fill("#id_first", (today - dt.timedelta(days=2)).isoformat())
    page.fill("#id_last", (today + dt.timedelta(days=1)).isoformat())
    page.click("#report-form button[type=submit]")
    page.wait_for_url("**/reports/runs/*/")
    run_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    page.wait_for_selector("#run-sha256", timeout=180000)  # the worker renders; the page polls and shows it
    with django_db_blocker.unblock(), schema_context(place.office.schema_name):
        run = ReportRun.objects.get(pk=run_id)
    assert page.inner_text("#run-sha256") == run.sha256
    page.screenshot(path=str(artifacts_dir / f"reports-2-run-{size}.png"), full_page=True)
    with page.expect_download() as download_info:
        page.click("#run-download")
    path = download_info.value.path()
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == run.sha256
    context.close()
