"""On a phone (390x844) a grid worker turns a visit's hazard into a rectification item from the problem
ledger, then registers a request from the household page (pre-filled household). Screenshots go to
var/test-output/."""

import re

import pytest
from django_tenants.utils import schema_context

from tests.registry_places import committed_office, full_items, new_id
from tests.support import DEMO_TEST_PASSWORD, host_of

pytestmark = pytest.mark.browser


def test_problem_to_rectification_and_household_request_on_phone(
    live_url, phone_page, artifacts_dir, django_db_blocker
):
    from core.inspections.models import Problem
    from core.inspections.services import visit_record
    from core.registry.services import household_register, person_register
    from core.requests.models import CitizenRequest
    from tenants.members import member_for

    with django_db_blocker.unblock():
        place = committed_office("wtiphone", "联动测试街道")
        marker = new_id()[-5:]
        address = f"联动路{marker}号"
        with schema_context(place.office.schema_name):
            worker = member_for(place.users["grid_worker"], place.office)
            household = household_register(
                actor=None, community=place.community, grid=place.grid, address=address, phone="13911113333"
            )
            person_register(
                actor=None,
                household=household,
                name="马爷爷",
                id_number=new_id(),
                categories=["dibao"],
                relation="head",
            )
            visit_record(
                actor=worker, household=household, kind="home", items=full_items(wiring_ageing="hazard")
            )
            problem = Problem.objects.get(household=household)
        base = live_url.format(host=host_of(place.office))
        username = place.users["grid_worker"].username

    page = phone_page
    page.goto(f"{base}/accounts/login/?next=/problems/%3Fhousehold%3D{household.pk}")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/problems/"))
    page.screenshot(path=str(artifacts_dir / "wti-1-problem-ledger.png"), full_page=True)
    page.locator("tr", has_text=address).get_by_role("button", name="转入整改台账").click()
    page.wait_for_url(re.compile(r"/rectifications/\d+/$"))
    source = page.locator("#rectification-source")
    assert f"问题台账：{address}" in source.text_content() and "#" not in source.text_content()
    page.screenshot(path=str(artifacts_dir / "wti-2-rectification-from-problem.png"), full_page=True)

    page.goto(f"{base}/households/{household.pk}/")
    page.click("#household-new-request")
    page.wait_for_url(re.compile(rf"/requests/new/\?household={household.pk}$"))
    assert page.locator(f"input[name=household_id][value='{household.pk}']").is_checked()
    page.select_option("#id_category", "heating")
    page.fill("#id_requester_name", "马爷爷")
    page.fill("#id_description", "整改期间屋里太冷，需要电暖器")
    page.screenshot(path=str(artifacts_dir / "wti-3-request-for-household.png"), full_page=True)
    page.click("#request-save")
    page.wait_for_url(re.compile(r"/requests/\d+/$"))
    assert address in page.locator("#request-household").text_content()
    page.screenshot(path=str(artifacts_dir / "wti-4-request-detail.png"), full_page=True)

    with django_db_blocker.unblock(), schema_context(place.office.schema_name):
        request = CitizenRequest.objects.get(household=household)
        assert request.grid_id == place.grid.pk
        problem.refresh_from_db()
        assert problem.rectification.number
