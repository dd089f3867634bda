"""A grid worker on a phone (390x844) records a home visit with a hazard and a need; the problem
and the need then appear in the ledgers. Screenshots go to var/test-output/."""

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from tests.registry_places import committed_office, new_id
from tests.support import DEMO_TEST_PASSWORD, host_of

pytestmark = pytest.mark.browser


@contextlib.contextmanager
def inspection_phase_around_today(district):
    """The live server runs on the wall clock: put the district's inspection phase around today
    (Beijing date) for the test, whatever the date, and put it back afterwards."""
    from core.campaigns.models import Phase
    from core.campaigns.services import campaign_ensure

    phase = campaign_ensure(district).phases.get(key=Phase.INSPECTION)
    before = (phase.starts_on, phase.ends_on)
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    Phase.objects.filter(pk=phase.pk).update(
        starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=1)
    )
    try:
        yield
    finally:
        Phase.objects.filter(pk=phase.pk).update(starts_on=before[0], ends_on=before[1])


@pytest.fixture
def phase_around_today(django_db_blocker):
    from tenants.models import District
    from tests.support import DISTRICT_A

    with django_db_blocker.unblock():
        district = District.objects.get(code=DISTRICT_A[0])
        with inspection_phase_around_today(district):
            yield


def test_grid_worker_records_visit_on_phone(
    live_url, phase_around_today, phone_page, artifacts_dir, django_db_blocker
):
    from core.registry.services import household_register, person_register

    with django_db_blocker.unblock():
        place = committed_office("wt3phone", "手机测试街道")
        marker = new_id()[-5:]
        with schema_context(place.office.schema_name):
            household = household_register(
                actor=None,
                community=place.community,
                grid=place.grid,
                address=f"光明路{marker}号",
                phone="13911112222",
            )
            person_register(
                actor=None,
                household=household,
                name="刘奶奶",
                id_number=new_id(),
                categories=["extreme_poverty"],
                relation="head",
            )
        base = live_url.format(host=host_of(place.office))
        username = place.users["grid_worker"].username

    page = phone_page
    page.goto(f"{base}/accounts/login/?next=/my-grid/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/my-grid/")
    page.screenshot(path=str(artifacts_dir / "wt3-1-my-grid.png"), full_page=True)
    assert f"光明路{marker}号" in page.content()

    page.locator("li.hh", has_text=f"光明路{marker}号").get_by_role("link", name="入户核查").click()
    page.wait_for_url(f"**/households/{household.pk}/visit/")
    for radio in page.locator("input[type=radio][value=ok]").all():
        radio.check()
    page.check("input[name=item_gas_safety][value=hazard]")
    page.fill("input[name=note_gas_safety]", "燃气软管老化开裂")
    page.select_option("select[name=need_type_0]", "clothing")
    page.fill("input[name=quantity_0]", "2")
    page.select_option("select[name=urgency_0]", "urgent")
    page.fill("input[name=need_description_0]", "棉衣、棉鞋各一")
    page.screenshot(path=str(artifacts_dir / "wt3-2-visit-form.png"), full_page=True)
    page.click("button[type=submit].wide")
    page.wait_for_url("**/visits/*/")
    page.screenshot(path=str(artifacts_dir / "wt3-3-visit-saved.png"), full_page=True)
    assert "发现问题 1 项，需求 1 条" in page.content()

    page.goto(f"{base}/problems/")
    page.screenshot(path=str(artifacts_dir / "wt3-4-problem-ledger.png"), full_page=True)
    assert "燃气软管老化开裂" in page.content()
    page.goto(f"{base}/needs/")
    page.screenshot(path=str(artifacts_dir / "wt3-5-need-ledger.png"), full_page=True)
    assert "棉衣、棉鞋各一" in page.content()
    page.goto(f"{base}/my-grid/?show=all")
    assert page.locator("li.hh", has_text=f"光明路{marker}号").locator(".badge.ok").count() == 1
