"""The district admin's dashboard (ranking, charts, refreshed time), a street's communities and the
overdue list in Chromium, at phone and desktop size, axe-clean."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.ux_support import DESKTOP, PHONE, assert_accessible, new_context, shoot, sign_in
from tests.support import host_of

pytestmark = pytest.mark.browser


def _rolled_up_with_history(django_db_blocker) -> list[str]:
    """Roll district A up today and on the six days before (the charts' history)."""
    from django.utils import timezone

    from core.rollup.services import rollup_refresh
    from tenants.models import StreetOffice
    from tests.e2e.ux_support import winter_street
    from tests.support import DISTRICT_A

    with django_db_blocker.unblock():
        winter_street()  # a street office of the district with a winter's worth of data
        offices = list(StreetOffice.objects.filter(district__code=DISTRICT_A[0]).order_by("name"))
        now = timezone.now()
        for days_ago in range(6, -1, -1):
            for office in offices:
                rollup_refresh(office=office, now=now - dt.timedelta(days=days_ago))
        return [o.name for o in offices]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_district_admin_reads_the_dashboard_a_street_and_the_overdue_list(viewport, live_url, browser, artifacts_dir,
                                                                          django_db_blocker):
    streets = _rolled_up_with_history(django_db_blocker)
    base = live_url.format(host=host_of(None))
    context = new_context(browser, viewport)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, base, "district_admin")
    page.wait_for_selector("#street-offices")
    page.wait_for_selector("#chart-coverage canvas")
    size = f"{viewport['width']}x{viewport['height']}"
    shoot(page, artifacts_dir, f"district-1-dashboard-{size}")
    table = page.inner_text("#street-offices")
    assert all(name in table for name in streets) and "合计" in table
    assert "数据更新于" in page.inner_text("#refreshed")
    legend = page.inner_text("#chart-coverage + .chart-legend")  # which line is which street
    assert all(name in legend for name in streets)
    assert_accessible(page, f"district dashboard {size}")

    sorter = ".sort-links" if viewport == PHONE else "#street-offices thead"  # the header hides on a phone
    page.click(f"{sorter} a:has-text('超时未办')")
    page.wait_for_url("**sort=overdue**")
    assert page.get_attribute("#street-offices th[aria-sort='descending']", "scope") == "col"
    first = page.locator("#street-offices tbody tr").first.inner_text()
    assert "暖冬体验街道" in first  # the street with overdue items ranks first

    page.click("#street-offices tbody a:has-text('暖冬体验街道')")
    page.wait_for_selector("#communities")
    shoot(page, artifacts_dir, f"district-2-street-{size}")
    assert_accessible(page, f"district street page {size}")

    page.goto(f"{base}/overdue/")
    assert page.locator("h1").inner_text() == "超时清单"
    shoot(page, artifacts_dir, f"district-3-overdue-{size}")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    context.close()
