"""A Content-Security-Policy on every page; the pages' own scripts still work under it (issue 10 §1)."""

from __future__ import annotations

import re

import pytest

from tests.committed import committed_place  # noqa: F401 - fixture
from tests.support import DEMO_TEST_PASSWORD


def test_every_page_sends_a_policy_that_allows_no_inline_script(street_a, users, web_client):
    client = web_client(street_a, users["street_staff"])
    for path in ["/accounts/login/", "/", "/households/", "/requests/", "/my-grid/"]:
        response = client.get(path)
        policy = response.get("Content-Security-Policy", "")
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives.get("script-src") == "'self'", (path, policy)
        assert "frame-ancestors" in directives and "object-src" in directives


@pytest.fixture(scope="module", autouse=True)
def _orm_beside_playwright():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.mark.browser
def test_pages_run_their_scripts_without_a_single_policy_violation(
    committed_place, live_url, browser, django_db_blocker  # noqa: F811
):
    with django_db_blocker.unblock():
        domain = committed_place.office.domains.get(is_primary=True).domain
    base = live_url.format(host=domain)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", committed_place.users["street_staff"].username)
    page.fill("#id_password", DEMO_TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    for path in ["/", "/requests/", "/households/", "/deadlines/", "/rectifications/", "/api/docs/"]:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
    # Swagger UI started from its own script file (no inline script under the policy).
    page.goto(base + "/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=20000)
    assert re.search("Nuandong", page.locator(".swagger-ui .info").inner_text())
    context.close()
    assert violations == []
