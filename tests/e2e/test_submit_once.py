"""Browser: a POST form's buttons are disabled while it is being sent; a second press sends nothing."""

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


def test_request_form_is_disabled_while_sending_and_a_second_press_sends_nothing(
    committed_place, live_url, phone_page, django_db_blocker
):
    place = committed_place
    with django_db_blocker.unblock():
        domain = place.office.domains.get(is_primary=True).domain
    base = live_url.format(host=domain)
    page = phone_page
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
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
        posts.clear()

        # Two presses in the same instant: the second finds the form sending and its button disabled.
        state = page.evaluate("""() => {
            const form = document.querySelector('#request-form');
            const button = form.querySelector('#request-save');
            button.click();
            const after = [button.disabled, form.dataset.sending, form.getAttribute('aria-busy')];
            button.click();
            form.requestSubmit();
            return after;
        }""")
        assert state == [True, "1", "true"]
        page.wait_for_url(re.compile(r"/requests/\d+/$"))
        assert len(posts) == 1
        with django_db_blocker.unblock():
            from django_tenants.utils import tenant_context

            from core.requests.models import CitizenRequest

            with tenant_context(place.office):
                assert CitizenRequest.objects.count() == 1
    finally:
        with django_db_blocker.unblock():
            place.cleanup()
