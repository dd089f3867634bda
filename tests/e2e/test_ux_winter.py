"""Issue 12 in a real browser: the day after the inspection phase, as the grid worker and the street
leader, at phone (390x844) and desktop (1366x768) size. Screenshots go to var/test-output/ux-*.png;
every page passes axe-core's WCAG 2.1 AA rules."""

from __future__ import annotations

import io

import pytest
from django_tenants.utils import schema_context

from tests.e2e.ux_support import (
    DESKTOP,
    PHONE,
    assert_accessible,
    new_context,
    phase_ended_yesterday,
    shoot,
    sign_in,
    winter_street,
)
from tests.support import host_of

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True, scope="module")
def _orm_beside_playwright():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def winter(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        place = winter_street()
        with phase_ended_yesterday(place.office.district):
            yield place


@pytest.fixture
def base(winter, live_url):
    return live_url.format(host=host_of(winter.office))


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_grid_worker_main_page_after_the_phase(winter, base, browser, artifacts_dir, size):
    """§1: the late visit is 逾期补访, the rest 待走访（已逾期）, the summary says the phase is over."""
    context = new_context(browser, size)
    page = context.new_page()
    try:
        sign_in(page, base, winter.users["grid_worker"].username, "/my-grid/")
        page.goto(f"{base}/my-grid/?show=all")
        label = "phone" if size == PHONE else "desktop"
        shoot(page, artifacts_dir, f"ux-grid-worker-my-grid-{label}")
        summary = page.locator("#coverage-summary").text_content()
        assert "排查期已结束，持续跟踪中" in summary and "逾期补访" in summary
        assert page.locator("li.hh .badge", has_text="逾期补访").count() >= 1
        assert page.locator("li.hh .badge", has_text="待走访（已逾期）").count() >= 1
        assert "户 " not in page.locator("ul.list").text_content()  # the vagrant is named, not numbered
        assert_accessible(page, "my grid")
        page.goto(f"{base}/")
        shoot(page, artifacts_dir, f"ux-grid-worker-home-{label}")
        assert_accessible(page, "grid worker home")
    finally:
        context.close()


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_street_leader_main_page(winter, base, browser, artifacts_dir, size):
    context = new_context(browser, size)
    page = context.new_page()
    try:
        sign_in(page, base, winter.users["street_leader"].username)
        label = "phone" if size == PHONE else "desktop"
        shoot(page, artifacts_dir, f"ux-street-leader-home-{label}")
        assert_accessible(page, "street leader home")
    finally:
        context.close()


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 60, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_refused_visit_keeps_the_chosen_photos(winter, base, browser, artifacts_dir, django_db_blocker):
    """§6: submit with an unanswered item and a photo: refused, the photo still chosen; answer and
    submit again: the visit is saved with its photo."""
    from core.registry.models import Household

    with django_db_blocker.unblock(), schema_context(winter.office.schema_name):
        household = Household.objects.filter(grid=winter.grids[0], visits__isnull=True, no_fixed_address=False).first()
    context = new_context(browser, PHONE)
    page = context.new_page()
    try:
        sign_in(page, base, winter.users["grid_worker"].username, f"/households/{household.pk}/visit/")
        radios = page.locator("input[type=radio][value=ok]")
        for i in range(radios.count() - 1):  # the last item left unanswered
            radios.nth(i).check()
        page.set_input_files("#visit-photos", files=[{"name": "stove.png", "mimeType": "image/png", "buffer": _png()}])
        page.click("button[type=submit].wide")
        page.wait_for_selector("[role=alert]")
        shoot(page, artifacts_dir, "ux-visit-refused-photos-kept-phone")
        assert page.evaluate("document.querySelector('#visit-photos').files.length") == 1
        assert page.locator("#photos-kept").is_visible()
        assert_accessible(page, "refused visit form")
        radios.last.check()
        page.click("button[type=submit].wide")
        page.wait_for_url("**/visits/*/")
        assert "已保存入户核查" in page.content()
    finally:
        context.close()
    with django_db_blocker.unblock(), schema_context(winter.office.schema_name):
        visit = household.visits.get()
        assert visit.photos.count() == 1
