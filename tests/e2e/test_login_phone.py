"""A grid worker signs in on a phone-sized Chromium and reaches the street home."""

from __future__ import annotations

import pytest

from tests.support import DEMO_TEST_PASSWORD

pytestmark = pytest.mark.browser


def test_grid_worker_logs_in_on_a_phone_and_reaches_the_street_home(live_url, phone_page, artifacts_dir):
    base = live_url.format(host="ta.localhost")
    page = phone_page

    page.goto(base + "/")
    assert "/accounts/login/" in page.url
    page.screenshot(path=str(artifacts_dir / "foundation-login-390.png"), full_page=True)
    page.fill("#id_username", "a_grid_worker")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator(".form-error").inner_text() == "用户名或密码不正确，请重新输入。"

    page.fill("#id_username", "a_grid_worker")
    page.fill("#id_password", DEMO_TEST_PASSWORD)
    page.click("button[type=submit]")

    page.wait_for_url(base + "/")
    assert page.locator("h1").inner_text() == "甲街道"
    assert "网格员" in page.locator("main").inner_text()
    # Nothing overflows sideways on a 390 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts_dir / "foundation-street-home-390.png"), full_page=True)


def test_a_stranger_sees_the_chinese_404_page(live_url, phone_page, artifacts_dir):
    base = live_url.format(host="tb.localhost")
    page = phone_page
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", "a_grid_worker")
    page.fill("#id_password", DEMO_TEST_PASSWORD)
    page.click("button[type=submit]")  # valid credentials, but no membership in street B
    page.wait_for_url("http://ta.localhost:*/")  # issue 12 §8: taken to the street where they work

    response = page.goto(base + "/")  # street B's pages stay a 404 that says where to go instead

    assert response.status == 404
    assert "您不是乙街道的成员" in page.locator("h1").inner_text()
    assert page.get_by_role("link", name="前往甲街道").count() == 1
    page.screenshot(path=str(artifacts_dir / "foundation-404-390.png"), full_page=True)
