"""Relief through the API: cases with step actions, the material ledger, payments, patrols and holiday
visits; refusals in the one error shape with nothing changed."""

from __future__ import annotations

import datetime as dt

from core.relief.models import MaterialItem, ReliefCase, StockMovement
from tests.core.relief.conftest import png
from tests.registry_places import make_household


def _client(api_client, org_a, role):
    return api_client(org_a.office, org_a.members[role].user)


def test_case_through_its_steps(api_client, org_a):
    household = make_household(org_a)
    person = household.persons.first()
    worker = _client(api_client, org_a, "community_worker")
    response = worker.post("/api/v1/relief-cases/", {
        "kind": "temporary", "household_id": household.pk, "person_id": person.pk, "reason": "突发重病",
        "amount_requested": "1500.50"}, format="json")
    assert response.status_code == 201, response.json()
    case = response.json()
    assert case["amount_requested"] == "1500.50" and case["status"] == "accepted"
    assert case["available_steps"] == ["investigate", "withdraw"]
    assert [c["kind"] for c in case["clocks"]] == ["relief_decide"]
    url = f"/api/v1/relief-cases/{case['id']}/step/"
    assert worker.post(url, {"step": "investigate", "note": "入户核实"}, format="json").status_code == 200
    refused = worker.post(url, {"step": "approve", "amount": "1500.50"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    leader = _client(api_client, org_a, "street_leader")
    bad = leader.post(url, {"step": "approve", "amount": "-3"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid" and "不能为负数" in bad.json()["details"]["amount"][0]
    wrong = leader.post(url, {"step": "deliver", "note": "x"}, format="json")
    assert wrong.status_code == 400 and "不能办理" in wrong.json()["details"]["status"][0]
    done = leader.post(url, {"step": "approve", "amount": "1500.50"}, format="json")
    assert done.status_code == 200 and done.json()["amount_approved"] == "1500.50"
    assert done.json()["status"] == "approved" and done.json()["decision_level"] == "street"
    listed = leader.get("/api/v1/relief-cases/?status=all").json()
    assert [c["number"] for c in listed["results"]] == [case["number"]]


def test_own_submission_and_unknown_household_are_refused(api_client, org_a):
    household = make_household(org_a)
    staff = _client(api_client, org_a, "street_staff")
    case = staff.post("/api/v1/relief-cases/", {"kind": "heating_subsidy", "household_id": household.pk,
                                                  "reason": "无力缴纳取暖费"}, format="json").json()
    url = f"/api/v1/relief-cases/{case['id']}/step/"
    staff.post(url, {"step": "investigate", "note": "属实"}, format="json")
    own = staff.post(url, {"step": "approve", "amount": "600"}, format="json")
    assert own.status_code == 403 and "职责分离" in own.json()["message"]
    assert ReliefCase.objects.get(pk=case["id"]).status == "investigated"
    unknown = staff.post("/api/v1/relief-cases/", {"kind": "temporary", "household_id": 99999999, "reason": "x"},
                         format="json")
    assert unknown.status_code == 400 and "户不存在" in unknown.json()["details"]["household_id"][0]


def test_material_ledger_through_the_api(api_client, org_a):
    household = make_household(org_a)
    director = _client(api_client, org_a, "community_director")
    item = director.post("/api/v1/materials/items/", {"name": "棉大衣", "unit": "件"}, format="json").json()
    bad = director.post("/api/v1/materials/movements/stock-in/", {
        "item_id": item["id"], "community_id": org_a.c1.pk, "quantity": -4, "source": "purchase"}, format="json")
    assert bad.status_code == 400 and "必须大于0" in bad.json()["details"]["quantity"][0]
    unknown = director.post("/api/v1/materials/movements/stock-in/", {
        "item_id": 987654, "community_id": org_a.c1.pk, "quantity": 4, "source": "purchase"}, format="json")
    assert unknown.status_code == 400 and "物资不存在" in unknown.json()["details"]["item_id"][0]
    assert not StockMovement.objects.exists()
    ok = director.post("/api/v1/materials/movements/stock-in/", {
        "item_id": item["id"], "community_id": org_a.c1.pk, "quantity": 4, "source": "purchase"}, format="json")
    assert ok.status_code == 201
    out = director.post("/api/v1/materials/movements/stock-out/", {
        "item_id": item["id"], "household_id": household.pk, "quantity": 3, "recipient_name": "人员0",
        "confirmation": png()}, format="multipart")
    assert out.status_code == 201 and out.json()["has_confirmation"] and out.json()["delta"] == -3
    no_sign = director.post("/api/v1/materials/movements/stock-out/", {
        "item_id": item["id"], "household_id": household.pk, "quantity": 1, "recipient_name": "人员0"},
        format="multipart")
    assert no_sign.status_code == 400 and "confirmation" in no_sign.json()["details"]
    balances = director.get("/api/v1/materials/balances/").json()
    assert balances["by_community"] == [{"item_id": item["id"], "item_name": "棉大衣", "unit": "件",
                                         "community_id": org_a.c1.pk, "community_name": "一社区", "quantity": 1}]
    rev = director.post(f"/api/v1/materials/movements/{out.json()['id']}/reverse/", {"reason": "错发"}, format="json")
    assert rev.status_code == 201 and rev.json()["delta"] == 3
    assert director.get("/api/v1/materials/diversion/").json()["unconfirmed"] == []
    volunteer = _client(api_client, org_a, "volunteer")
    assert volunteer.get("/api/v1/materials/balances/").status_code == 200
    assert volunteer.post("/api/v1/materials/items/", {"name": "x"}, format="json").status_code == 403
    assert MaterialItem.objects.count() == 1


def test_patrols_payments_and_holiday_visits_through_the_api(api_client, org_a):
    household = make_household(org_a)
    enforcement = _client(api_client, org_a, "enforcement")
    started = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    patrol = enforcement.post("/api/v1/patrols/", {
        "started_at": started, "area": "火车站", "members": "王队、李明", "with_enforcement": True,
        "encounters": [{"description": "女，约50岁，无身份证件", "place": "候车室", "action": "to_station"}]},
        format="json")
    assert patrol.status_code == 201, patrol.json()
    assert patrol.json()["encounters"][0]["action"] == "to_station"
    compliance = enforcement.get("/api/v1/patrols/compliance/").json()
    assert compliance["per_week"] == 2 and compliance["weeks"][0]["done"] == 1
    assert enforcement.get("/api/v1/relief-cases/").status_code == 403
    leader = _client(api_client, org_a, "street_leader")
    assert leader.get("/api/v1/payments/?status=problem").json()["results"] == []
    today = dt.date.today()
    campaign = leader.post("/api/v1/holiday-campaigns/", {
        "name": "春节慰问", "holiday": "spring_festival", "starts_on": str(today), "ends_on": str(today + dt.timedelta(days=10)),
        "categories": ["dibao"]}, format="json")
    assert campaign.status_code == 201 and campaign.json()["target_count"] == 1
    volunteer = _client(api_client, org_a, "volunteer")
    target = volunteer.get(f"/api/v1/holiday-campaigns/{campaign.json()['id']}/targets/").json()["results"][0]
    assert target["household_id"] == household.pk
    visit = volunteer.post("/api/v1/holiday-visits/", {
        "target_id": target["id"], "recipient_name": "人员0", "gifts": "棉被一床", "cash_amount": "300.00",
        "confirmation": png()}, format="multipart")
    assert visit.status_code == 201, visit.json()
    assert visit.json()["cash_amount"] == "300.00"
    assert volunteer.get("/api/v1/holiday-visits/").json()["results"][0]["gifts"] == "棉被一床"


def test_the_district_sets_its_relief_rules(api_client, users, street_a, org_a):
    from django.db import connection

    from core.deadlines.models import Clock
    from core.relief.services import case_accept, case_step
    from tests.core.relief.conftest import NOW

    household = make_household(org_a)
    connection.set_schema_to_public()
    admin = api_client(None, users["district_admin"])
    assert admin.get("/api/v1/relief-policy/").json()["street_decision_limit"] == "3000.00"
    bad = admin.patch("/api/v1/relief-policy/", {"street_decision_limit": "-1", "notice_min_days": 0}, format="json")
    assert bad.status_code == 400 and set(bad.json()["details"]) == {"street_decision_limit", "notice_min_days"}
    ok = admin.patch("/api/v1/relief-policy/", {"street_decision_limit": "5000.00", "whole_working_days": 20},
                     format="json")
    assert ok.status_code == 200 and ok.json()["street_decision_limit"] == "5000.00"
    assert api_client(None, users["district_viewer"]).patch(
        "/api/v1/relief-policy/", {"whole_working_days": 30}, format="json").status_code == 403
    connection.set_tenant(street_a)
    staff, leader = org_a.members["street_staff"], org_a.members["street_leader"]
    case = case_accept(actor=staff, kind="temporary", household_id=household.pk, reason="重病", amount_requested="4500",
                       accepted_at=NOW, now=NOW)
    case_step(case=case, actor=staff, step="investigate", note="属实", now=NOW)
    case_step(case=case, actor=leader, step="approve", amount="4500", now=NOW)
    assert case.decision_level == "street"  # within the district's new limit
    dibao = case_accept(actor=staff, kind="dibao", household_id=household.pk, person_id=household.persons.first().pk,
                        reason="无收入", accepted_at=NOW, now=NOW)
    assert Clock.objects.get(subject_id=dibao.pk, subject_type="relief.reliefcase").rule == "受理起 20 个工作日"
