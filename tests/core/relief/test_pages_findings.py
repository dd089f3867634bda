"""What a tester found on the relief pages (each test fails without its fix): pictures shown as a
badge only, lists silently cut at 200/50/300 rows, no Excel export of cases, payments and the ledger."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from core.relief.ledger import item_create, stock_in, stock_out
from core.relief.models import CaseStatus as S
from core.relief.services import case_accept, case_add_evidence
from tests.core.relief.conftest import NOW, png
from tests.registry_places import make_household


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_case_page_shows_evidence_thumbnails_served_within_reach(org_a, web_client, bring):
    case = bring("temporary", S.ACCEPTED)
    evidence = case_add_evidence(case=case, actor=org_a.members["street_staff"], kind="home", note="入户",
                                 image=png(), at=NOW)
    url = f"/relief/cases/{case.pk}/evidence/{evidence.pk}/image/"
    staff = web_client(org_a.office, org_a.members["street_staff"].user)
    page = staff.get(f"/relief/cases/{case.pk}/").content.decode()
    assert f'<img src="{url}"' in page
    picture = staff.get(url)
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
    assert _body(picture).startswith(b"\xff\xd8")  # re-encoded by the upload kit
    far = case_accept(actor=org_a.members["street_staff"], kind="temporary", reason="x", accepted_at=NOW, now=NOW,
                      household_id=make_household(org_a, grid=org_a.g3).pk)
    far_evidence = case_add_evidence(case=far, actor=org_a.members["street_staff"], kind="home", note="入户",
                                     image=png(), at=NOW)
    worker = web_client(org_a.office, org_a.members["community_worker"].user)  # community 1 only
    assert worker.get(f"/relief/cases/{far.pk}/evidence/{far_evidence.pk}/image/").status_code == 404
    assert worker.get(f"/relief/cases/{case.pk}/evidence/{far_evidence.pk}/image/").status_code == 404
    assert web_client(org_a.office, org_a.members["enforcement"].user).get(url).status_code == 403


def test_the_ledger_shows_signature_thumbnails(org_a, web_client, household):
    staff = org_a.members["street_staff"]
    item = item_create(actor=staff, name="棉被", unit="床")
    stock_in(actor=staff, item_id=item.pk, community_id=org_a.c1.pk, quantity=2, source="allocation", now=NOW)
    line = stock_out(actor=staff, item_id=item.pk, household_id=household.pk, quantity=1, recipient_name="人员0",
                     confirmation=png(), now=NOW)
    client = web_client(org_a.office, staff.user)
    url = f"/relief/materials/{line.pk}/confirmation/"
    assert f'<img src="{url}"' in client.get("/relief/materials/").content.decode()
    assert _body(client.get(url)).startswith(b"\xff\xd8")  # re-encoded by the upload kit
    assert client.get("/relief/materials/999999/confirmation/").status_code == 404


def test_the_case_board_pages_with_the_summary_on_top_and_no_silent_cut(org_a, web_client, household):
    staff = org_a.members["street_staff"]
    for i in range(31):
        case_accept(actor=staff, kind="heating_subsidy", household_id=household.pk, reason=f"取暖{i}",
                    accepted_at=NOW, now=NOW)
    client = web_client(org_a.office, org_a.members["street_leader"].user)
    first = client.get("/relief/").content.decode()
    assert first.count('class="card req') == 30 and 'class="pager"' in first and "1 / 2" in first
    assert "办理中 31" in first
    second = client.get("/relief/?page=2").content.decode()
    assert second.count('class="card req') == 1


def test_ledger_patrols_and_holiday_targets_page_instead_of_cutting(org_a, web_client, household):
    from core.relief.holidays import holiday_campaign_create
    from core.relief.patrols import patrol_record

    staff = org_a.members["street_staff"]
    item = item_create(actor=staff, name="棉鞋", unit="双")
    for _ in range(31):
        stock_in(actor=staff, item_id=item.pk, community_id=org_a.c1.pk, quantity=1, source="allocation", now=NOW)
    client = web_client(org_a.office, org_a.members["street_leader"].user)
    ledger = client.get("/relief/materials/").content.decode()
    assert "共 31 条" in ledger and "1 / 2" in ledger
    assert client.get("/relief/materials/?page=2").content.decode().count("<li><span class=\"badge\">入库") == 1
    for day in range(21):
        patrol_record(actor=org_a.members["enforcement"], started_at=NOW - dt.timedelta(hours=day), area=f"区域{day}",
                      members="王队", now=NOW)
    assert "1 / 2" in client.get("/relief/patrols/").content.decode()
    make_household(org_a, persons=50)
    campaign = holiday_campaign_create(actor=org_a.members["street_leader"], name="元旦慰问", holiday="new_year",
                                       starts_on="2026-12-25", ends_on="2027-01-03", categories=["dibao"])
    page = client.get(f"/relief/holidays/{campaign.pk}/").content.decode()
    assert "慰问对象 52 人" in page and "待慰问 52 人" in page and "1 / 2" in page


def _sheet(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).active


def test_cases_payments_and_ledger_export_to_excel_through_the_one_writer(org_a, web_client, household, bring):
    from core.relief.payments import payments_expect

    staff = org_a.members["street_staff"]
    case_accept(actor=staff, kind="temporary", household_id=household.pk, reason="=HYPERLINK(\"http://x\")",
                amount_requested="1200.50", accepted_at=NOW, now=NOW)
    client = web_client(org_a.office, org_a.members["street_leader"].user)
    sheet = _sheet(client.get("/relief/?format=xlsx"))
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0] if rows[0][0] == "序号" else rows[1]
    assert "申请金额（元）" in header
    reason = next(r for r in rows if r and "=HYPERLINK" in str(r[header.index("申请事由")]))
    assert reason[header.index("申请金额（元）")] == 1200.5
    cell = next(c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value))
    assert cell.data_type == "s"  # text, never a formula

    bring("dibao", S.APPROVED)
    payments_expect(month=dt.date(2027, 1, 1))
    sheet = _sheet(client.get("/relief/payments/export/"))
    assert any("应发金额（元）" in (r or ()) for r in sheet.iter_rows(values_only=True))
    item = item_create(actor=staff, name="电暖器", unit="台")
    stock_in(actor=staff, item_id=item.pk, community_id=org_a.c1.pk, quantity=2, source="donation", donor="爱心超市",
             now=NOW)
    sheet = _sheet(client.get("/relief/materials/?format=xlsx"))
    assert any(r and "爱心超市" in r for r in sheet.iter_rows(values_only=True))
    volunteer = web_client(org_a.office, org_a.members["volunteer"].user)  # no relief.view
    assert volunteer.get("/relief/payments/export/").status_code == 403


def test_the_payment_board_pages_instead_of_cutting_at_200(org_a, web_client, bring):
    from core.relief.payments import payments_expect

    bring("dibao", S.APPROVED)  # payments from January 2027
    for i in range(31):
        payments_expect(month=dt.date(2027 + i // 12, i % 12 + 1, 1))
    client = web_client(org_a.office, org_a.members["street_leader"].user)
    first = client.get("/relief/payments/").content.decode()
    assert 'class="pager"' in first and "1 / 2" in first
    assert client.get("/relief/payments/?page=2").content.decode().count('<li class="card"') == 1
