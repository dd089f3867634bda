"""One reporting month everywhere (plan 七: 每月20日前报送): "2026-12" = 2026-11-21 .. 2026-12-20.

The narrative saved on the month's page is the one printed in that month's report (it was looked up
under the month of the period's first day before); refusals keep what was typed; the needs ledger
counts by status, not by label; people are named by their display names.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from reports.kinds import LOCAL, Period, report_month, report_month_of
from reports.models import MonthlyNarrative
from reports.services import (
    NARRATIVE_MAX_CHARS,
    monthly_narrative_save,
    report_run_create,
    report_run_execute,
)
from tests.reports.conftest import pdf_text


def test_the_reporting_month_runs_from_the_21st_of_the_month_before_to_the_20th():
    assert report_month("2026-12") == Period(dt.date(2026, 11, 21), dt.date(2026, 12, 20))
    assert report_month("2027-01") == Period(dt.date(2026, 12, 21), dt.date(2027, 1, 20))
    assert report_month("2028-03") == Period(dt.date(2028, 2, 21), dt.date(2028, 3, 20))  # leap year
    assert report_month_of(dt.date(2026, 11, 21)) == "2026-12"
    assert report_month_of(dt.date(2026, 12, 20)) == "2026-12"
    assert report_month_of(dt.date(2026, 12, 21)) == "2027-01"
    assert report_month_of(dt.date(2027, 1, 31)) == "2027-02"


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "26-12", "2026/12", "２０２６-12", "2026-1", "", None, "2026-12x"])
def test_a_malformed_month_is_refused(bad):
    with pytest.raises(ValueError):
        report_month(bad)


def _this_month() -> str:
    return report_month_of(timezone.now().astimezone(LOCAL).date())


def test_the_signed_narrative_of_a_month_is_printed_in_that_months_report_with_the_signers_name(org_a):
    staff = org_a.members["street_staff"]
    staff.user.full_name = "程民政"
    staff.user.save(update_fields=["full_name"])
    key = _this_month()
    previous = report_month_of(report_month(key).first - dt.timedelta(days=1))
    monthly_narrative_save(actor=staff, period=previous, narrative="上月的说明不应出现")
    monthly_narrative_save(actor=staff, period=key, narrative="本月走访全部完成，发放棉被二十床。", sign_off=True)
    month = report_month(key)

    run = report_run_create(actor=staff, kind="monthly_progress", fmt="pdf", first=month.first, last=month.last)
    run = report_run_execute(run_id=run.pk)

    text = pdf_text(Path(run.file.path))
    year, number = key.split("-")
    assert f"{year}年{int(number)}月困难群众温暖过冬工作进展情况" in text
    assert "本月走访全部完成，发放棉被二十床。" in text and "上月的说明不应出现" not in text
    name = "程民政"
    assert f"签发人：{name}" in text
    assert run.created_by_name == name


def test_a_narrative_for_a_month_before_2020_after_the_campaign_or_too_long_is_refused_and_nothing_is_lost(
    org_a, street_a
):
    from core.campaigns.services import campaign_ensure

    staff = org_a.members["street_staff"]
    key = _this_month()
    monthly_narrative_save(actor=staff, period=key, narrative="已保存的说明")
    after_campaign = report_month_of(campaign_ensure(street_a.district).ends_on + dt.timedelta(days=62))
    far_future = report_month_of(max(timezone.now().astimezone(LOCAL).date(), report_month(after_campaign).first)
                                 + dt.timedelta(days=40))

    for period in ("1999-01", far_future, "2026-13"):
        with pytest.raises(ValidationError) as refused:
            monthly_narrative_save(actor=staff, period=period, narrative="x")
        assert "period" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        monthly_narrative_save(actor=staff, period=key, narrative="😀" * (NARRATIVE_MAX_CHARS + 1))
    assert "narrative" in refused.value.message_dict
    assert MonthlyNarrative.objects.get(period=key, community_id=None).narrative == "已保存的说明"


def test_the_month_page_shows_a_refusal_in_chinese_and_keeps_what_was_typed(org_a, street_a, web_client):
    staff = org_a.members["street_staff"]
    key = _this_month()
    client = web_client(street_a, staff.user)
    typed = "很长的说明" * (NARRATIVE_MAX_CHARS // 5 + 1)

    response = client.post(f"/reports/monthly/{key}/", {"narrative": typed, "save": "1"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "工作情况说明最多" in page and typed in page
    assert not MonthlyNarrative.objects.filter(period=key).exists()


def test_a_report_for_a_period_that_has_not_begun_and_lies_after_the_campaign_is_refused(org_a, street_a):
    from core.campaigns.services import campaign_ensure

    staff = org_a.members["street_staff"]
    start = max(campaign_ensure(street_a.district).ends_on, timezone.now().astimezone(LOCAL).date()) + dt.timedelta(days=30)
    with pytest.raises(ValidationError):
        report_run_create(actor=staff, kind="needs_ledger", fmt="pdf", first=start, last=start + dt.timedelta(days=5))


def test_the_needs_ledger_counts_met_needs_by_their_status(org_a, ledger_data):
    from core.inspections.models import Need

    Need.objects.filter(pk=Need.objects.order_by("pk").values("pk")[:1]).update(status="met")
    staff = org_a.members["street_staff"]
    run = report_run_create(actor=staff, kind="needs_ledger", fmt="pdf", first=ledger_data["first"],
                            last=ledger_data["last"])
    text = pdf_text(Path(report_run_execute(run_id=run.pk).file.path))
    assert "需求：3条" in text and "已解决：1条" in text


def test_the_submissions_page_names_periods_in_words_and_marks_an_open_slot_past_its_deadline(
    org_a, street_a, web_client
):
    from core.deadlines.scanner import clock_scan
    from reports.submissions import submission_due_at, submission_ensure

    staff = org_a.members["street_staff"]
    slot = submission_ensure(kind="problem_ledger", period="inspection", level="street")
    client = web_client(street_a, staff.user)
    page = client.get("/reports/submissions/").content.decode()
    assert "问题台账" in page and "排查阶段" in page and "· inspection" not in page

    clock_scan(now=submission_due_at(slot) + dt.timedelta(hours=1))

    page = client.get("/reports/submissions/").content.decode()
    assert "已逾期" in page
    assert "已逾期" in client.get(f"/reports/submissions/{slot.pk}/").content.decode()
