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


def test_a_report_run_is_generated_by_a_real_worker_exactly_once(celery_worker_process, django_db_blocker):
    from reports.models import ReportRun
    from reports.services import report_run_create
    from reports.tasks import report_run_task
    from tenants.members import member_for

    with django_db_blocker.unblock():
        place = _office_with_a_need("rptworker", "报表工人街道")
        today = dt.date.today()
        with schema_context(place.office.schema_name):
            from django.db import transaction

            with transaction.atomic():  # queued on commit, like a page or the API would
                run = report_run_create(actor=member_for(place.users["street_staff"], place.office),
                                        kind="needs_ledger", fmt="pdf", first=today - dt.timedelta(days=2),
                                        last=today + dt.timedelta(days=1))
            deadline = time.monotonic() + 180
            while ReportRun.objects.get(pk=run.pk).status in ("queued", "running") and time.monotonic() < deadline:
                time.sleep(0.5)
            # a second delivery of the same task (a retry, a sweep) changes nothing
            report_run_task.apply_async(kwargs={"run_id": run.pk}).get(timeout=60)
            run.refresh_from_db()
            data = Path(run.file.path).read_bytes()

    assert run.status == "done" and run.attempts == 1
    assert hashlib.sha256(data).hexdigest() == run.sha256


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [(390, 844), (1366, 768)], ids=["phone", "desktop"])
def test_street_staff_generates_a_ledger_and_sees_its_hash(viewport, live_url, browser, artifacts_dir, django_db_blocker):
    from reports.models import ReportRun
    from reports.services import report_run_execute

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
    with django_db_blocker.unblock(), schema_context(place.office.schema_name):
        assert ReportRun.objects.get(pk=run_id).status == "queued"
        run = report_run_execute(run_id=run_id)  # the worker's part, in this process
    page.wait_for_selector("#run-sha256", timeout=15000)  # the page polls and shows the result
    assert page.inner_text("#run-sha256") == run.sha256
    page.screenshot(path=str(artifacts_dir / f"reports-2-run-{size}.png"), full_page=True)
    with page.expect_download() as download_info:
        page.click("#run-download")
    path = download_info.value.path()
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == run.sha256
    context.close()
