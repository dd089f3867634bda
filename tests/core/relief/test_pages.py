"""Relief pages: each opens for the roles that may use it and refuses the others; forms show the
service's refusal in Chinese and keep what was typed; the household page and the street home show relief."""

from __future__ import annotations

import pytest

from core.relief.ledger import item_create, stock_in
from core.relief.models import CaseStatus as S
from core.relief.models import ReliefCase, StockMovement
from tests.core.relief.conftest import NOW, png

PAGES = ["/relief/", "/relief/materials/", "/relief/materials/diversion/", "/relief/payments/", "/relief/patrols/",
         "/relief/holidays/", "/relief/cases/new/", "/relief/materials/out/", "/relief/patrols/new/"]
ALLOWED = {
    "street_staff": set(PAGES),
    "street_leader": set(PAGES) - {"/relief/cases/new/", "/relief/materials/out/", "/relief/patrols/new/"},
    "community_worker": set(PAGES) - {"/relief/patrols/new/"},
    "enforcement": {"/relief/patrols/", "/relief/patrols/new/"},
    "volunteer": {"/relief/materials/", "/relief/materials/diversion/", "/relief/holidays/"},
    "grid_worker": {"/relief/holidays/"},
}


@pytest.mark.parametrize("role", list(ALLOWED))
def test_pages_open_for_their_roles_only(org_a, web_client, role):
    client = web_client(org_a.office, org_a.members[role].user)
    for page in PAGES:
        response = client.get(page)
        expected = 200 if page in ALLOWED[role] else 403
        assert response.status_code == expected, (role, page, response.status_code)


def test_case_page_steps_and_own_case_note(org_a, web_client, bring):
    case = bring("temporary", S.INVESTIGATED)  # accepted by the street staff
    staff = web_client(org_a.office, org_a.members["street_staff"].user)
    page = staff.get(f"/relief/cases/{case.pk}/").content.decode()
    assert 'id="own-case-note"' in page and 'id="step-approve"' not in page and 'id="step-to_district"' in page
    leader = web_client(org_a.office, org_a.members["street_leader"].user)
    page = leader.get(f"/relief/cases/{case.pk}/").content.decode()
    assert 'id="step-approve"' in page
    response = leader.post(f"/relief/cases/{case.pk}/step/approve/", {"approve-amount": "12.345"}, follow=True)
    assert "金额最多两位小数（精确到分）" in response.content.decode()
    case.refresh_from_db()
    assert case.status == S.INVESTIGATED
    leader.post(f"/relief/cases/{case.pk}/step/approve/", {"approve-amount": "780.80", "approve-note": "同意"})
    case.refresh_from_db()
    assert case.status == S.APPROVED and str(case.amount_approved) == "780.80"


def test_new_case_form_keeps_input_on_refusal(org_a, web_client, household):
    client = web_client(org_a.office, org_a.members["community_worker"].user)
    url = f"/relief/cases/new/?household={household.pk}"
    response = client.post(url, {"kind": "dibao", "path": "ordinary", "reason": "无收入", "amount_requested": "0",
                                 "staff_relative": "on"})
    body = response.content.decode()
    assert response.status_code == 200 and "请说明与哪位工作人员" in body and "无收入" in body
    assert not ReliefCase.objects.exists()
    response = client.post(url, {"kind": "dibao", "path": "ordinary", "reason": "无收入", "amount_requested": "0",
                                 "person_id": household.persons.first().pk})
    assert response.status_code == 302 and ReliefCase.objects.count() == 1


def test_stock_out_page_and_household_page_and_street_home(org_a, web_client, household, bring):
    director = org_a.members["community_director"]
    item = item_create(actor=org_a.members["street_staff"], name="电暖器", unit="台")
    stock_in(actor=director, item_id=item.pk, community_id=org_a.c1.pk, quantity=2, source="allocation", now=NOW)
    client = web_client(org_a.office, director.user)
    url = f"/relief/materials/out/?household={household.pk}"
    refused = client.post(url, {"item_id": item.pk, "quantity": 5, "recipient_name": "人员0", "confirmation": png()})
    assert "库存不足" in refused.content.decode() and StockMovement.objects.filter(kind="out").count() == 0
    done = client.post(url, {"item_id": item.pk, "quantity": 1, "recipient_name": "人员0", "confirmation": png()})
    assert done.status_code == 302
    bring("temporary", S.INVESTIGATED)
    page = web_client(org_a.office, org_a.members["street_leader"].user).get(f"/households/{household.pk}/")
    body = page.content.decode()
    assert 'id="household-relief-cases"' in body and "电暖器 1台" in body
    home = web_client(org_a.office, org_a.members["street_leader"].user).get("/").content.decode()
    assert "救助" in home and "待我办理" in home


def test_the_district_decides_above_the_limit_on_the_case_page(org_a, web_client, bring, users):
    case = bring("temporary", S.DISTRICT_REVIEW, amount="5000")
    district = web_client(org_a.office, users["district_admin"])
    page = district.get(f"/relief/cases/{case.pk}/").content.decode()
    assert f'action="/relief/cases/{case.pk}/district/district_approve/"' in page
    assert district.post(f"/relief/cases/{case.pk}/step/district_approve/",
                         {"district_approve-amount": "5000"}).status_code == 403
    district.post(f"/relief/cases/{case.pk}/district/district_approve/",
                  {"district_approve-amount": "4800.00", "district_approve-note": "同意"})
    case.refresh_from_db()
    assert (case.status, case.decision_level, str(case.amount_approved)) == (S.APPROVED, "district", "4800.00")
    viewer = web_client(org_a.office, users["district_viewer"])
    assert viewer.post(f"/relief/cases/{case.pk}/district/district_refuse/",
                       {"district_refuse-reason": "x"}).status_code == 403
