"""Report runs: PDF content, page numbers, embedded Chinese font, SHA-256, masking, history, audit."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.audit.models import AuditEvent
from reports import pdf as pdf_module
from reports.models import ReportRun
from reports.services import report_run_create, report_run_execute
from tests.reports.conftest import pdf_fonts, pdf_pages, pdf_text


def _generate(member, ledger_data, kind="needs_ledger", fmt="pdf", community_id=None):
    run = report_run_create(actor=member, kind=kind, fmt=fmt, first=ledger_data["first"], last=ledger_data["last"],
                            community_id=community_id)
    return report_run_execute(run_id=run.pk)


def test_needs_ledger_pdf_holds_title_rows_page_numbers_embedded_font_and_its_hash(
    org_a, ledger_data, artifacts_dir
):
    run = _generate(org_a.members["street_staff"], ledger_data)

    assert run.status == ReportRun.Status.DONE and run.rows == 3
    path = Path(run.file.path)
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == run.sha256 and run.size == len(data)
    text = pdf_text(path)
    assert "困难群众过冬需求台账" in text and "王秀兰" in text and "报表测试路1号" in text and "棉衣3件" in text
    assert f"第1页共{run.pages}页" in text and run.pages == pdf_pages(path)
    fonts = pdf_fonts(path)
    assert "Noto-Sans-CJK-SC" in fonts and " yes yes " in fonts  # embedded and subset
    png = artifacts_dir / "report-needs-ledger"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(png)], check=True)
    assert any(artifacts_dir.glob("report-needs-ledger*.png"))


def test_a_large_ledger_renders_in_parallel_chunks_with_one_page_numbering(org_a, ledger_data, monkeypatch):
    from core.inspections.models import Need

    household = ledger_data["households"][0]
    Need.objects.bulk_create([
        Need(household=household, need_type="food", quantity=1, urgency="normal", description=f"米面油第{i}份")
        for i in range(120)
    ])
    monkeypatch.setattr(pdf_module, "PARALLEL_MIN_ROWS", 50)

    run = _generate(org_a.members["street_staff"], ledger_data)

    path = Path(run.file.path)
    text = pdf_text(path)
    assert run.rows == 123 and run.pages == pdf_pages(path) and run.pages >= 3
    for page in range(1, run.pages + 1):
        assert f"第{page}页共{run.pages}页" in text
    assert "米面油第0份" in text and "米面油第119份" in text
    assert text.count("需求类型") >= run.pages  # the header repeats on every page


def test_roles_without_household_view_get_masked_names_and_cannot_fetch_unmasked_runs(
    org_a, ledger_data, street_a, users, web_client
):
    from tenants.members import member_for

    staff_run = _generate(org_a.members["street_staff"], ledger_data)
    viewer = member_for(users["district_viewer"], street_a)

    run = _generate(viewer, ledger_data)

    text = pdf_text(Path(run.file.path))
    assert run.masked and "王秀兰" not in text and "王**" in text and "报表测试路1号" not in text
    client = web_client(street_a, users["district_viewer"])
    assert client.get(f"/reports/runs/{staff_run.pk}/download/").status_code == 404
    assert client.get(f"/reports/runs/{run.pk}/download/").status_code == 200


def test_regenerating_keeps_every_earlier_run_and_each_download_is_audited(org_a, ledger_data, street_a, users,
                                                                         web_client):
    first = _generate(org_a.members["street_staff"], ledger_data, fmt="xlsx")
    second = _generate(org_a.members["street_staff"], ledger_data, fmt="xlsx")

    assert first.file.name != second.file.name and Path(first.file.path).exists()
    response = web_client(street_a, users["street_staff"]).get(f"/reports/runs/{first.pk}/download/")
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and hashlib.sha256(body).hexdigest() == first.sha256
    assert response["X-Content-Type-Options"] == "nosniff" and "attachment" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="report.download", object_id=str(first.pk)).count() == 1
    assert AuditEvent.objects.filter(action="report.generate").count() >= 2


def test_excel_ledger_reads_back_with_openpyxl(org_a, ledger_data):
    import io

    from openpyxl import load_workbook

    run = _generate(org_a.members["street_staff"], ledger_data, kind="problem_ledger", fmt="xlsx")

    sheet = load_workbook(io.BytesIO(Path(run.file.path).read_bytes())).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "问题台账" and values[1][:3] == ["序号", "社区", "网格"]
    assert values[2][3] == "报表测试路1号" and values[2][5] == "发现问题" and len(values) == 3


def test_a_community_member_reports_on_its_community_only(org_a, ledger_data):
    director = org_a.members["community_director"]

    with pytest.raises(ValidationError):
        report_run_create(actor=director, kind="needs_ledger", fmt="pdf", first=ledger_data["first"],
                          last=ledger_data["last"], community_id=org_a.c2.pk)
    run = report_run_create(actor=director, kind="needs_ledger", fmt="pdf", first=ledger_data["first"],
                            last=ledger_data["last"])
    assert run.params["community_id"] == org_a.c1.pk


@pytest.mark.parametrize("first,last", [("2026-13-01", "2026-12-31"), ("2026-12-31", "2026-12-01"),
                                        ("1999-01-01", "1999-01-31"), ("2025-01-01", "2026-12-31")])
def test_bad_periods_are_refused_and_nothing_is_recorded(org_a, first, last):
    before = ReportRun.objects.count()

    with pytest.raises(ValidationError):
        report_run_create(actor=org_a.members["street_staff"], kind="needs_ledger", fmt="pdf", first=first, last=last)
    assert ReportRun.objects.count() == before


def test_grid_workers_have_no_reports(org_a, street_a, users, web_client):
    with pytest.raises(PermissionDenied):
        report_run_create(actor=org_a.members["grid_worker"], kind="needs_ledger", fmt="pdf",
                          first="2026-12-01", last="2026-12-20")
    assert web_client(street_a, users["grid_worker"]).get("/reports/").status_code == 403


def test_the_reports_page_generates_and_shows_the_run(org_a, ledger_data, street_a, users, web_client):
    client = web_client(street_a, users["street_staff"])

    response = client.post("/reports/", {"kind": "rectification_ledger", "fmt": "pdf",
                                         "first": ledger_data["first"].isoformat(), "last": ledger_data["last"].isoformat()})
    run = ReportRun.objects.latest("id")
    assert response.status_code == 302 and response["Location"] == f"/reports/runs/{run.pk}/"
    bad = client.post("/reports/", {"kind": "needs_ledger", "fmt": "pdf", "first": "x", "last": "y"})
    assert bad.status_code == 400 and "日期格式应为" in bad.content.decode()


def test_stored_text_that_looks_like_a_formula_or_markup_stays_text_in_excel_and_pdf(org_a, ledger_data):
    import io

    from openpyxl import load_workbook

    from core.inspections.models import Need

    Need.objects.filter(household=ledger_data["households"][0]).update(
        description='=HYPERLINK("http://example.invalid/x","点此查看")\x0b<b>粗</b>')

    xlsx = _generate(org_a.members["street_staff"], ledger_data, fmt="xlsx")
    pdf = _generate(org_a.members["street_staff"], ledger_data)

    cell = load_workbook(io.BytesIO(Path(xlsx.file.path).read_bytes())).active.cell(row=3, column=9)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    assert pdf.status == "done" and "<b>粗</b>" in pdf_text(Path(pdf.file.path))


def test_the_monthly_report_counts_relief_in_yuan_to_the_fen(org_a, ledger_data):
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from core.relief.models import ReliefCase
    from reports.kinds import Period
    from reports.monthly import monthly_figures

    household = ledger_data["households"][0]
    now = timezone.now()
    for amount in ("300.10", "199.95"):
        ReliefCase.objects.create(kind="temporary", household=household, community=org_a.c1, grid=org_a.g1,
                                  status="approved", reason="冬季取暖困难", amount_approved=Decimal(amount),
                                  accepted_at=now, decided_at=now)

    figures = {f.label: f.value for f in monthly_figures(
        member=org_a.members["street_staff"], period=Period(ledger_data["first"], ledger_data["last"]),
        community_id=None, now=now + dt.timedelta(minutes=1))}

    assert figures["本期受理救助申请"] == "2 件"
    assert figures["本期批准救助"] == "2 件，500.05 元"
