"""A street clerk uploads a roster in Chromium: the progress bar ends on the per-row errors, the
numeric ID cell is refused with its reason; screenshots at 1366x768 and 390x844."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from core.registry.roster import COLUMNS, NUMERIC_ID_ERROR
from tests.registry_places import committed_office, new_id
from tests.support import DEMO_TEST_PASSWORD, host_of

pytestmark = pytest.mark.browser


def test_clerk_uploads_a_roster_and_reads_the_errors_by_row_and_column(
    live_url, celery_worker_process, browser, django_db_blocker, artifacts_dir, tmp_path
):
    with django_db_blocker.unblock():
        place = committed_office("wtjobs", "任务测试街道")
        host = host_of(place.office)
    headers = [h for h, _k, _r in COLUMNS]
    marker = f"浏览{new_id()[-6:]}"
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append(headers)
    for i, number in enumerate([new_id(), new_id(), 140402194501018035]):
        values = {
            "社区(村)": place.community.name,
            "网格": place.grid.name,
            "住址": f"{marker}路{i}号",
            "姓名": f"{marker}{i}",
            "身份证号": number,
            "与户主关系": "户主",
            "对象类别": "城乡低保对象",
        }
        ws.append([values.get(h, "") for h in headers])
    path = tmp_path / "花名册.xlsx"
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(buffer.getvalue())

    base = live_url.format(host=host)
    for width, height in ((1366, 768), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        page = context.new_page()
        page.goto(base + "/accounts/login/")
        page.fill("#id_username", place.users["street_staff"].username)
        page.fill("#id_password", DEMO_TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        page.goto(base + "/households/import/")
        page.set_input_files("#id_file", str(path))
        page.click("form[enctype='multipart/form-data'] button[type=submit]")
        page.wait_for_selector("#n-errors", timeout=90_000)
        assert page.locator("#n-errors").inner_text() == "1"
        row = page.locator("table.errors tbody tr").first
        assert row.locator("td").nth(0).inner_text() == "4"
        assert row.locator("td").nth(1).inner_text() == "身份证号"
        assert row.locator("td").nth(2).inner_text() == NUMERIC_ID_ERROR
        assert "工作表“花名册”" in page.locator("#progress").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(artifacts_dir / f"roster-import-errors-{width}.png"), full_page=True)
        context.close()
