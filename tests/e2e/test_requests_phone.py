"""Browser, phone size: a hotline request entered, responded, handled, fed back; countdowns visible."""

from __future__ import annotations

import re

import pytest

from tests.support import DEMO_TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True, scope="module")
def _orm_beside_playwright():
    """Playwright's sync API keeps an event loop in this thread; the ORM calls here are plain sync code."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def test_hotline_request_through_its_lifecycle_on_a_phone(
    committed_place, live_url, phone_page, artifacts_dir, django_db_blocker
):
    place = committed_place
    with django_db_blocker.unblock():
        domain = place.office.domains.get(is_primary=True).domain
    base = live_url.format(host=domain)
    page = phone_page
    try:
        page.goto(f"{base}/requests/new/")
        page.fill("#id_username", place.users["street_staff"].username)
        page.fill("#id_password", DEMO_TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/requests/new/$"))

        page.select_option("#id_channel", "hotline")
        page.select_option("#id_category", "heating")
        page.fill("#id_requester_name", "周大爷")
        page.fill("#id_requester_phone", "13912345678")
        page.select_option("#id_grid", str(place.grid_id))
        page.fill("#id_description", "暖气片不热，屋里只有十度")
        page.screenshot(path=str(artifacts_dir / "request-new-phone.png"), full_page=True)
        page.click("#request-save")
        page.wait_for_url(re.compile(r"/requests/\d+/$"))

        countdowns = page.locator("#request-clocks .countdown")
        assert countdowns.count() == 3
        page.wait_for_function(
            "document.querySelector('#request-clocks .countdown').textContent.startsWith('剩余')"
        )
        assert re.match(r"剩余 (\d+分\d\d秒|\d+小时\d+分)", countdowns.first.text_content())
        page.screenshot(path=str(artifacts_dir / "request-detail-phone.png"), full_page=True)

        page.fill("#id_respond-note", "已电话联系周大爷，约定上门")
        page.click("#step-respond button[type=submit]")
        page.wait_for_selector("#step-handle")
        page.fill("#id_handle-note", "已上门排气，暖气恢复")
        page.click("#step-handle button[type=submit]")
        page.wait_for_selector("#step-feedback")
        page.check("input[name=feedback-satisfaction][value=satisfied]")
        page.fill("#id_feedback-note", "回访：屋里已到十八度")
        page.click("#step-feedback button[type=submit]")
        page.wait_for_selector("#step-close")

        assert page.locator("#request-status").text_content().strip() == "已反馈"
        assert page.locator("#request-clocks .badge.ok").count() == 3  # all three met on time
        assert page.locator("#request-events li").count() == 4
        page.screenshot(path=str(artifacts_dir / "request-fed-back-phone.png"), full_page=True)

        page.goto(f"{base}/requests/?status=all")
        assert page.locator("#request-board li").count() == 1
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # no sideways scrolling on a phone
        page.screenshot(path=str(artifacts_dir / "request-board-phone.png"), full_page=True)
    finally:
        with django_db_blocker.unblock():
            place.cleanup()


def test_board_countdown_ticks_for_an_open_request(
    committed_place, live_url, phone_page, artifacts_dir, django_db_blocker
):
    from django.db import connection
    from django_tenants.utils import tenant_context

    from core.org.models import Community, Grid
    from core.requests.services import request_receive

    place = committed_place
    with django_db_blocker.unblock():
        domain = place.office.domains.get(is_primary=True).domain
        with tenant_context(place.office):
            request_receive(
                actor=place.member("street_staff"),
                channel="grid_worker",
                category="food",
                description="米面油不足",
                requester_name="吴奶奶",
                community=Community.objects.get(pk=place.community_id),
                grid=Grid.objects.get(pk=place.grid_id),
            )
        connection.set_schema_to_public()
    base = live_url.format(host=domain)
    page = phone_page
    try:
        page.goto(f"{base}/requests/")
        page.fill("#id_username", place.users["grid_worker"].username)
        page.fill("#id_password", DEMO_TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#request-board .countdown")
        first = page.locator("#request-board .countdown").first.text_content()
        page.wait_for_timeout(1500)
        second = page.locator("#request-board .countdown").first.text_content()
        assert first.startswith("剩余") and first != second
        page.screenshot(path=str(artifacts_dir / "request-board-countdown-phone.png"), full_page=True)
    finally:
        with django_db_blocker.unblock():
            place.cleanup()
