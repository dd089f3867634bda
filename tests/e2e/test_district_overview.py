"""The district admin's overview and overdue list in Chromium, at phone and desktop size."""

from __future__ import annotations

import pytest

from tests.support import DEMO_TEST_PASSWORD, host_of

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 768)], ids=["phone", "desktop"])
def test_district_admin_reads_the_overview_and_the_overdue_list(viewport, live_url, browser, artifacts_dir,
                                                                django_db_blocker):
    from tenants.models import StreetOffice, User

    with django_db_blocker.unblock():
        admin = User.objects.get(username="district_admin")
        streets = list(StreetOffice.objects.filter(district__code="140403").values_list("name", flat=True))
    base = live_url.format(host=host_of(None))
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", DEMO_TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#street-offices")
    size = f"{viewport[0]}x{viewport[1]}"
    page.screenshot(path=str(artifacts_dir / f"district-1-overview-{size}.png"), full_page=True)
    table = page.inner_text("#street-offices")
    assert all(name in table for name in streets) and "合计" in table
    page.click("text=查看超时清单")
    page.wait_for_url("**/overdue/")
    assert page.locator("h1").inner_text() == "超时清单"
    page.screenshot(path=str(artifacts_dir / f"district-2-overdue-{size}.png"), full_page=True)
    context.close()
