"""接口与推送 in Chromium: street staff make a key (shown once), a webhook (secret shown once) and read
the delivery log; the district admin's page; phone and desktop size, axe-clean."""

from __future__ import annotations

import pytest

from tests.e2e.ux_support import DESKTOP, PHONE, assert_accessible, new_context, shoot, sign_in
from tests.support import host_of

pytestmark = pytest.mark.browser


@pytest.fixture
def cleanup(django_db_blocker):
    """The live server commits: remove what the test made (keys and webhooks named 浏览器测试*)."""
    yield
    from core.integrations.models import ApiKey, WebhookSubscription

    with django_db_blocker.unblock():
        ApiKey.objects.filter(name__startswith="浏览器测试").delete()
        WebhookSubscription.objects.filter(name__startswith="浏览器测试").delete()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_street_staff_make_a_key_and_a_webhook(viewport, live_url, browser, artifacts_dir, cleanup):
    base = live_url.format(host="ta.localhost")  # street A of the session's world
    size = f"{viewport['width']}x{viewport['height']}"
    page = new_context(browser, viewport).new_page()
    sign_in(page, base, "a_street_staff", "/integrations/")
    page.goto(f"{base}/integrations/")
    assert page.locator("h1").inner_text() == "接口与推送"
    assert_accessible(page, f"integrations home {size}")

    page.fill("#id_name", f"浏览器测试 12345热线 {size}")
    page.check("input[value='requests:write']")
    page.click("form button:has-text('创建密钥')")
    page.wait_for_selector("#full-key")
    full = page.input_value("#full-key")
    assert "." in full and len(full) > 50
    shoot(page, artifacts_dir, f"integrations-1-key-{size}")
    assert_accessible(page, f"key page {size}")
    page.reload()
    assert page.locator("#full-key").count() == 0  # shown once

    page.goto(f"{base}/integrations/webhooks/new/")
    assert_accessible(page, f"new webhook {size}")
    page.fill("#id_name", f"浏览器测试 推送 {size}")
    page.fill("#id_url", "http://127.0.0.1:9/hook")
    page.check("input[value='request.created']")
    page.click("form button:has-text('保存订阅')")
    page.wait_for_selector("#whsec")
    assert page.input_value("#whsec").startswith("whsec_")
    shoot(page, artifacts_dir, f"integrations-2-webhook-{size}")
    assert_accessible(page, f"webhook page {size}")

    page.goto(f"{base}/integrations/")
    shoot(page, artifacts_dir, f"integrations-3-home-{size}")
    assert f"浏览器测试 12345热线 {size}" in page.inner_text("main")


def test_district_admin_page(live_url, browser, artifacts_dir):
    page = new_context(browser, DESKTOP).new_page()
    base = live_url.format(host=host_of(None))
    sign_in(page, base, "district_admin", "/integrations/")
    page.goto(f"{base}/integrations/")
    assert page.locator("h1").inner_text() == "接口与推送"
    assert "读取区级总览" in page.inner_text("main")
    assert_accessible(page, "district integrations page")
    shoot(page, artifacts_dir, "integrations-4-district-1366x768")
