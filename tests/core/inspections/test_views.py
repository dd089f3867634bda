"""Web pages: rendering per role, the visit form's Chinese errors, ledgers and their Excel export."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core.inspections.checklist import CHECKLIST
from core.inspections.models import Need, Problem, Visit
from tests.registry_places import make_household

PAGES = ["/my-grid/", "/coverage/", "/households/", "/needs/", "/problems/", "/org/", "/households/import/"]


@pytest.mark.parametrize(
    "role,allowed",
    [
        ("street_staff", set(PAGES)),
        ("grid_worker", {"/my-grid/", "/coverage/", "/households/", "/needs/", "/problems/", "/org/"}),
        ("community_director", set(PAGES)),
        ("district_viewer", {"/coverage/", "/org/"}),
        ("volunteer", set()),
    ],
)
def test_pages_open_for_roles_that_may_use_them(org_a, web_client, users, role, allowed):
    make_household(org_a)
    client = web_client(org_a.office, users[role])
    for url in PAGES:
        response = client.get(url)
        if url not in allowed and role.startswith("district_") and response.status_code == 302:
            # person-level pages: a district role states a reason first (break-the-glass, ADR 0056)
            assert response["Location"].startswith("/district-access/?next="), (role, url)
            continue
        assert response.status_code == (200 if url in allowed else 403), (role, url, response.status_code)


def test_district_viewer_coverage_page_has_no_household_list(org_a, web_client, users):
    household = make_household(org_a, address="隐私路9号")
    page = web_client(org_a.office, users["district_viewer"]).get("/coverage/").content.decode()
    assert "第一网格" in page and household.address not in page


def _post_visit(client, household, **extra):
    data = {"kind": "home", **{f"item_{i.code}": "ok" for i in CHECKLIST}, **extra}
    return client.post(f"/households/{household.pk}/visit/", data)


def test_visit_form_records_hazard_and_need(org_a, web_client, users):
    household = make_household(org_a)
    client = web_client(org_a.office, users["grid_worker"])
    assert client.get(f"/households/{household.pk}/visit/").status_code == 200

    response = _post_visit(
        client,
        household,
        item_gas_safety="hazard",
        note_gas_safety="软管老化",
        need_type_0="clothing",
        quantity_0="2",
        urgency_0="urgent",
    )

    assert response.status_code == 302
    visit = Visit.objects.get(household=household)
    assert Problem.objects.get(visit=visit).description == "软管老化"
    assert Need.objects.get(visit=visit).quantity == 2
    assert "软管老化" in client.get("/problems/").content.decode()
    assert "御寒衣物" in client.get("/needs/").content.decode()


@pytest.mark.parametrize(
    "extra,message",
    [
        ({"item_heating_fee": ""}, "缺少排查项"),
        ({"item_gas_safety": "hazard"}, "请说明情况"),
        ({"need_type_0": "food", "quantity_0": "-1"}, "数量应为正整数"),
    ],
)
def test_visit_form_errors_are_shown_in_chinese_and_nothing_saved(org_a, web_client, users, extra, message):
    household = make_household(org_a)
    client = web_client(org_a.office, users["grid_worker"])
    data = {"kind": "home", **{f"item_{i.code}": "ok" for i in CHECKLIST}}
    data.update(extra)
    data = {k: v for k, v in data.items() if v != ""}

    response = client.post(f"/households/{household.pk}/visit/", data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Visit.objects.filter(household=household).exists()


def test_grid_worker_gets_404_for_a_household_of_another_grid(org_a, web_client, users):
    household = make_household(org_a, grid=org_a.g3)
    client = web_client(org_a.office, users["grid_worker"])
    assert client.get(f"/households/{household.pk}/").status_code == 404
    assert _post_visit(client, household).status_code == 404
    assert not Visit.objects.filter(household=household).exists()


def test_ledgers_export_to_excel_with_filters(org_a, web_client, users):
    household = make_household(org_a)
    other = make_household(org_a, grid=org_a.g3)
    staff = web_client(org_a.office, users["street_staff"])
    _post_visit(
        staff,
        household,
        item_wiring_illegal="hazard",
        note_wiring_illegal="私拉电线",
        need_type_0="food",
        quantity_0="3",
    )
    _post_visit(staff, other, item_structure="hazard", note_structure="墙体开裂")

    response = staff.get("/problems/", {"community": org_a.c1.pk, "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    needs = load_workbook(io.BytesIO(staff.get("/needs/", {"format": "xlsx"}).content)).active

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert rows[0][0] == "问题台账" and rows[1][4] == "排查项"
    assert [r[5] for r in rows[2:]] == ["私拉电线"]
    assert [r[6:8] for r in list(needs.iter_rows(values_only=True))[2:]] == [("米面油", 3)]


def test_full_id_button_returns_number_and_audits(org_a, web_client, users):
    from core.audit.models import AuditEvent

    household = make_household(org_a)
    person = household.persons.get()
    director = web_client(org_a.office, users["community_director"])
    page = director.get(f"/households/{household.pk}/").content.decode()
    assert person.id_masked in page and "查看完整" in page
    response = director.post(f"/households/persons/{person.pk}/full-id/")
    assert response.status_code == 200 and "*" not in response.content.decode()
    assert AuditEvent.objects.filter(action="person.view_full_id", object_id=str(person.pk)).count() == 1
    grid_page = (
        web_client(org_a.office, users["grid_worker"]).get(f"/households/{household.pk}/").content.decode()
    )
    assert "查看完整" not in grid_page


def test_need_status_and_problem_resolution_from_the_ledgers(org_a, web_client, users):
    household = make_household(org_a)
    staff = web_client(org_a.office, users["street_staff"])
    _post_visit(
        staff, household, item_food_stock="hazard", note_food_stock="缺粮", need_type_0="food", quantity_0="1"
    )
    need, problem = Need.objects.get(household=household), Problem.objects.get(household=household)
    assert "更新" in staff.get("/needs/").content.decode()

    staff.post(f"/needs/{need.pk}/status/", {"status": "met", "next": "/needs/"})
    refused = staff.post(f"/needs/{need.pk}/status/", {"status": "cancelled"}, follow=True)
    staff.post(f"/problems/{problem.pk}/resolve/", {"note": "已送米面油"})

    need.refresh_from_db()
    problem.refresh_from_db()
    assert need.status == "met" and "不能从" in refused.content.decode()
    assert problem.status == "resolved"
    worker = web_client(org_a.office, users["grid_worker"])
    assert worker.post(f"/needs/{need.pk}/status/", {"status": "in_progress"}).status_code == 403
    need.refresh_from_db()
    assert need.status == "met"


def test_ledger_export_is_audited(org_a, web_client, users):
    from core.audit.models import AuditEvent

    staff = web_client(org_a.office, users["street_staff"])
    staff.get("/needs/", {"format": "xlsx", "status": "open"})
    event = AuditEvent.objects.get(action="winter-needs.export")
    assert event.actor_id == users["street_staff"].pk and event.after["filters"] == {"status": "open"}


def test_problem_assign_page(org_a, web_client, users):
    household = make_household(org_a)
    staff = web_client(org_a.office, users["street_staff"])
    _post_visit(staff, household, item_structure="hazard", note_structure="裂缝")
    problem = Problem.objects.get(household=household)
    assert staff.get(f"/problems/{problem.pk}/assign/").status_code == 200
    response = staff.post(
        f"/problems/{problem.pk}/assign/",
        {"responsible_user_id": users["community_director"].pk, "due_date": f"{timezone.localdate().year + 1}-01-31"},
    )
    problem.refresh_from_db()
    assert response.status_code == 302 and problem.responsible_user_id == users["community_director"].pk
    past = staff.post(
        f"/problems/{problem.pk}/assign/",
        {"responsible_user_id": users["community_director"].pk, "due_date": "2000-01-01"},
    )
    assert "整改时限须晚于现在" in past.content.decode()


def test_my_grid_search_by_name_or_address(org_a, web_client, users):
    make_household(org_a, address="幸福路1号")
    make_household(org_a, address="和谐路2号")
    page = web_client(org_a.office, users["grid_worker"]).get("/my-grid/", {"q": "幸福"}).content.decode()
    assert "幸福路1号" in page and "和谐路2号" not in page


def test_no_status_is_preselected_and_cancelling_needs_a_confirmed_reason(org_a, web_client, users):
    """Issue 12 §4: pressing 更新 without choosing changes nothing; 已撤销 is never in the menu; the
    separate 撤销需求 form needs a reason, which the audit keeps."""
    import re

    from core.audit.models import AuditEvent

    household = make_household(org_a)
    staff = web_client(org_a.office, users["street_staff"])
    _post_visit(staff, household, need_type_0="food", quantity_0="1")
    need = Need.objects.get(household=household)

    ledger = staff.get("/needs/").content.decode()
    menu = re.search(r'class="inline need-step">.*?<select name="status"[^>]*>(.*?)</select>', ledger, re.S).group(1)
    options = re.findall(r'<option value="([^"]*)"( selected)?>', menu)
    pressed_update = staff.post(f"/needs/{need.pk}/status/", {"next": "/needs/"}, follow=True).content.decode()
    need.refresh_from_db()
    status_after_empty_update = need.status
    no_reason = staff.post(f"/needs/{need.pk}/status/", {"status": "cancelled", "note": "  "}, follow=True)
    need.refresh_from_db()
    status_after_no_reason = need.status
    staff.post(f"/needs/{need.pk}/status/", {"status": "cancelled", "note": "已由亲属解决"})
    need.refresh_from_db()

    assert options == [("", " selected"), ("in_progress", ""), ("met", "")]
    assert "撤销需求" in ledger and 'name="note" required' in ledger
    assert status_after_empty_update == "open" and "请先选择新状态" in pressed_update
    assert status_after_no_reason == "open" and "撤销需求须说明原因" in no_reason.content.decode()
    assert need.status == "cancelled"
    event = AuditEvent.objects.filter(action="need.status", object_id=str(need.pk)).latest("id")
    assert event.reason == "已由亲属解决"
