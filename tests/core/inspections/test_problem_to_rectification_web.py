"""Web joints: the problem ledger's “转入整改台账”, the rectification's source link, the household page
listing its requests / needs / problems, and registering a request from the household page."""

from __future__ import annotations

import re

from core.deadlines.models import Clock
from core.inspections.models import Problem
from core.inspections.services import visit_record
from core.rectification.models import Rectification
from core.requests.models import CitizenRequest
from tests.registry_places import full_items, make_household


def hazard(org, grid=None):
    household = make_household(org, grid=grid)
    visit_record(
        actor=org.members["street_staff"],
        household=household,
        kind="home",
        items=full_items(gas_safety="hazard"),
        needs=[{"need_type": "clothing", "quantity": 2}],
    )
    return Problem.objects.get(household=household)


def test_problem_ledger_turns_a_problem_into_a_rectification_item(org_a, users, web_client):
    problem = hazard(org_a)
    staff = web_client(org_a.office, users["street_staff"])
    url = f"/problems/{problem.pk}/to-rectification/"

    ledger = staff.get("/problems/").content.decode()
    assert url in ledger and "转入整改台账" in ledger

    response = staff.post(url, {"next": "/problems/"})

    item = Rectification.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/rectifications/{item.pk}/"
    assert item.problem_id == problem.pk
    detail = staff.get(f"/rectifications/{item.pk}/").content.decode()
    assert f"/problems/?id={problem.pk}" in detail and f"/visits/{problem.visit_id}/" in detail
    assert f"/households/{problem.household_id}/" in detail
    ledger = staff.get(f"/problems/?id={problem.pk}").content.decode()
    assert f"/rectifications/{item.pk}/" in ledger and item.number in ledger
    assert url not in ledger  # converted: no second conversion, no direct resolve or reassignment
    assert f"/problems/{problem.pk}/resolve/" not in ledger
    assert f"/problems/{problem.pk}/assign/" not in ledger

    again = staff.post(url, {"next": "/problems/"}, follow=True).content.decode()
    assert "该问题已转入整改台账" in again and Rectification.objects.count() == 1


def test_roles_without_rectification_edit_see_no_button_and_are_refused(org_a, users, web_client):
    problem = hazard(org_a)
    leader = web_client(org_a.office, users["street_leader"])
    url = f"/problems/{problem.pk}/to-rectification/"
    clocks = Clock.objects.count()

    assert url not in leader.get("/problems/").content.decode()
    assert leader.post(url).status_code == 403

    assert Rectification.objects.count() == 0 and Clock.objects.count() == clocks
    problem.refresh_from_db()
    assert problem.status == "open"


def test_household_page_registers_and_lists_requests_needs_and_problems(org_a, users, web_client):
    problem = hazard(org_a)
    household = problem.household
    worker = web_client(org_a.office, users["grid_worker"])

    page = worker.get(f"/households/{household.pk}/").content.decode()
    assert f"/requests/new/?household={household.pk}" in page
    need = household.needs.get()
    assert 'id="household-needs"' in page and f"{need.get_need_type_display()} × 2" in page
    assert 'id="household-problems"' in page and problem.description in page

    form = worker.get(f"/requests/new/?household={household.pk}").content.decode()
    assert re.search(rf'name="household_id" value="{household.pk}"[^>]*checked', form)
    assert 'value="人员0"' in form and f'value="{household.address}"' in form  # head and address pre-filled

    response = worker.post(
        "/requests/new/",
        {
            "channel": "grid_worker",
            "category": "heating",
            "requester_name": "户主",
            "household_id": household.pk,
            "description": "暖气片不热",
        },
    )
    obj = CitizenRequest.objects.get()
    assert response.status_code == 302 and obj.household_id == household.pk and obj.grid_id == org_a.g1.pk
    detail = worker.get(f"/requests/{obj.pk}/").content.decode()
    assert f"/households/{household.pk}/" in detail
    page = worker.get(f"/households/{household.pk}/").content.decode()
    assert f"/requests/{obj.pk}/" in page


def test_request_form_searches_households_in_reach_and_refuses_others(org_a, users, web_client):
    mine = make_household(org_a, address="迎宾路12号")
    other = make_household(org_a, grid=org_a.g2, address="迎宾路14号")
    worker = web_client(org_a.office, users["grid_worker"])

    found = worker.get("/requests/new/?hq=迎宾路").content.decode()
    assert "迎宾路12号" in found and "迎宾路14号" not in found  # the search stays inside the grid

    response = worker.post(
        "/requests/new/",
        {
            "channel": "grid_worker",
            "category": "food",
            "requester_name": "某某",
            "household_id": other.pk,
            "description": "缺米",
        },
    )
    assert response.status_code == 200
    assert "关联户不在您的负责范围" in response.content.decode()
    assert CitizenRequest.objects.count() == 0
    assert mine.pk
