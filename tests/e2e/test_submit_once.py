"""Browser: a POST form's submit button is disabled while it is being sent; a second press sends nothing."""

from __future__ import annotations

import re

import pytest

from tests.support import DEMO_TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True, scope="module")
def _orm_beside_playwright():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def test_request_form_button_is_disabled_while_sending_and_a_second_press_sends_nothing(
    committed_place, live_url, phone_page, artifacts_dir, django_db_blocker
):
    place = committed_place
    with django_db_blocker.unblock():
        domain = place.office.domains.get(is_primary=True).domain
    base = live_url.format(host=domain)
    page = phone_page
    held = []
    try:
        page.goto(f"{base}/requests/new/")
        page.fill("#id_username", place.users["street_staff"].username)
        page.fill("#id_password", DEMO_TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/requests/new/$"))
        assert page.locator("#request-form input[name=_once]").count() == 1

        page.select_option("#id_channel", "hotline")
        page.select_option("#id_category", "heating")
        page.fill("#id_requester_name", "周大爷")
        page.select_option("#id_grid", str(place.grid_id))
        page.fill("#id_description", "网络很慢，按了两次")

        def hold(route):
            if route.request.method == "POST":
                held.append(route)  # the request waits: "sending" on a weak signal
            else:
                route.continue_()

        page.route(re.compile(r".*/requests/new/$"), hold)
        button = page.locator("#request-form button[type=submit]")
        button.click()
        page.wait_for_function("document.querySelector('#request-form').dataset.sending === '1'")
        assert button.is_disabled()
        assert page.locator("#request-form").get_attribute("aria-busy") == "true"
        page.screenshot(path=str(artifacts_dir / "request-new-sending-phone.png"), full_page=True)
        button.click(force=True)  # a second press on the disabled button
        page.evaluate("document.querySelector('#request-form').requestSubmit()")  # or by keyboard / script
        page.wait_for_timeout(300)
        assert len(held) == 1

        held[0].continue_()
        page.wait_for_url(re.compile(r"/requests/\d+/$"))
        with django_db_blocker.unblock():
            from django_tenants.utils import tenant_context

            from core.requests.models import CitizenRequest

            with tenant_context(place.office):
                assert CitizenRequest.objects.count() == 1
    finally:
        page.unroute(re.compile(r".*/requests/new/$"))
        with django_db_blocker.unblock():
            place.cleanup()
