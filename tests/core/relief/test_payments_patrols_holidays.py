"""Payments in full and on time (late or short -> problem), weekly patrol compliance on a known
fixture, holiday campaigns and visits with recipient confirmation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.deadlines.models import Clock
from core.deadlines.scanner import clock_scan
from core.inspections.models import Problem
from core.relief.models import CaseStatus as S
from core.relief.models import HolidayVisit, Payment, StockBalance
from core.relief.patrols import patrol_compliance, patrol_record, patrol_schedule_set, patrol_week_ensure
from core.relief.payments import payment_record, payments_check, payments_expect
from tests.core.relief.conftest import NOW, png

LOCAL = dt.timezone(dt.timedelta(hours=8))


# --- payments --------------------------------------------------------------------------------------------
def test_payments_start_the_month_after_confirmation_and_late_ones_become_problems(org_a, bring):
    case = bring("dibao", S.APPROVED)  # confirmed on 2026-12-09 at 812.50 a month
    assert payments_expect(month=dt.date(2026, 12, 1)) == 0  # not before the month after confirmation
    assert payments_expect(month=dt.date(2027, 1, 1)) == 1
    assert payments_expect(month=dt.date(2027, 1, 1)) == 0  # once per month
    payment = Payment.objects.get(case=case)
    assert (payment.expected_amount, payment.due_on) == (Decimal("812.50"), dt.date(2027, 1, 10))
    assert payments_check(now=dt.datetime(2027, 1, 10, 15, 0, tzinfo=dt.UTC)) == 0  # still the 10th in Beijing
    assert payments_check(now=dt.datetime(2027, 1, 10, 16, 1, tzinfo=dt.UTC)) == 1  # the 11th began
    payment.refresh_from_db()
    problem = payment.problem
    assert payment.status == "late" and problem.item == "relief_payment"
    assert problem.household_id == case.household_id and "逾期未发" in problem.description
    assert problem.get_item_display() == "救助金未足额按时发放"
    assert Clock.objects.filter(subject_type="inspections.problem", subject_id=problem.pk, kind="problem").exists()
    assert payments_check(now=dt.datetime(2027, 1, 12, tzinfo=dt.UTC)) == 0  # not twice


def test_a_short_payment_is_flagged_exact_to_the_fen(org_a, bring):
    case = bring("dibao", S.APPROVED)
    payments_expect(month=dt.date(2027, 1, 1))
    payment = Payment.objects.get(case=case)
    worker = org_a.members["community_worker"]
    now = dt.datetime(2027, 1, 8, 4, tzinfo=dt.UTC)
    with pytest.raises(ValidationError, match="精确到分"):
        payment_record(actor=worker, payment=payment, amount="812.499", paid_on="2027-01-08", now=now)
    payment_record(actor=worker, payment=payment, amount="812.49", paid_on="2027-01-08", now=now)
    payment.refresh_from_db()
    assert payment.status == "short" and payment.paid_amount == Decimal("812.49")
    assert "少发 0.01 元" in payment.problem.description
    with pytest.raises(ValidationError, match="已登记"):
        payment_record(actor=worker, payment=payment, amount="0.01", paid_on="2027-01-08", now=now)


def test_a_full_payment_on_time_raises_nothing(org_a, bring):
    case = bring("extreme_poverty", S.APPROVED)
    payments_expect(month=dt.date(2027, 1, 1))
    payment = Payment.objects.get(case=case)
    problems = Problem.objects.count()
    payment_record(actor=org_a.members["community_worker"], payment=payment, amount="812.50", paid_on="2027-01-10",
                   now=dt.datetime(2027, 1, 10, 4, tzinfo=dt.UTC))
    payment.refresh_from_db()
    assert payment.status == "paid" and Problem.objects.count() == problems
    assert payments_check(now=dt.datetime(2027, 1, 20, tzinfo=dt.UTC)) == 0


def test_a_volunteer_may_not_record_payments(org_a, bring):
    case = bring("dibao", S.APPROVED)
    payments_expect(month=dt.date(2027, 1, 1))
    with pytest.raises(PermissionDenied):
        payment_record(actor=org_a.members["volunteer"], payment=Payment.objects.get(case=case), amount="812.50",
                       paid_on="2027-01-10", now=dt.datetime(2027, 1, 10, 4, tzinfo=dt.UTC))


# --- patrols ----------------------------------------------------------------------------------------------
def _at(day: int, hour: int = 20) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 0, tzinfo=LOCAL).astimezone(dt.UTC)


def test_weekly_patrol_compliance_on_a_known_fixture(org_a):
    """Schedule 2 a week. Week of Mon 11-16: two patrols (met). Week of 11-23: one patrol (short, and
    overdue once Sunday 11-29 has passed). Week of 11-30: none yet, not overdue on Tue 12-01."""
    enforcement = org_a.members["enforcement"]
    now = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    patrol_schedule_set(actor=org_a.members["street_leader"], per_week=2, starts_on=dt.date(2026, 11, 16))
    for when in (_at(17), _at(19, 22)):
        patrol_record(actor=enforcement, started_at=when, area="火车站广场", members="王队、李明", with_enforcement=True,
                      now=now, encounters=[{"description": "男，约60岁，衣着单薄", "place": "地下通道",
                                            "action": "to_station", "follow_up": "已送市救助管理站"}])
    patrol_record(actor=enforcement, started_at=_at(24), area="桥洞", members="王队", now=now)
    patrol_week_ensure(day=dt.date(2026, 12, 1), now=now)
    clock_scan(now=now)
    weeks = {w["week_start"]: w for w in patrol_compliance(weeks=3, now=now)}
    assert [(w["required"], w["done"], w["short"]) for w in weeks.values()] == [(2, 0, 2), (2, 1, 1), (2, 2, 0)]
    assert weeks[dt.date(2026, 11, 16)]["clock_state"] == "met_on_time"
    assert weeks[dt.date(2026, 11, 23)]["clock_state"] == "overdue"
    assert weeks[dt.date(2026, 11, 30)]["clock_state"] == "on_track"
    overdue = Clock.objects.get(kind="patrol_week", state="overdue")
    assert overdue.due_at == dt.datetime(2026, 11, 29, 15, 59, 59, tzinfo=dt.UTC)


def test_patrol_input_is_checked_and_roles(org_a):
    now = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    enforcement = org_a.members["enforcement"]
    with pytest.raises(ValidationError) as err:
        patrol_record(actor=enforcement, started_at=now + dt.timedelta(hours=2), area="", members="王队", now=now,
                      encounters=[{"description": "", "place": "", "action": "shout"}])
    assert set(err.value.message_dict) == {"started_at", "area", "encounters.0.description", "encounters.0.place",
                                           "encounters.0.action"}
    with pytest.raises(PermissionDenied):
        patrol_record(actor=org_a.members["volunteer"], started_at=now, area="x", members="y", now=now)
    with pytest.raises(PermissionDenied):
        patrol_schedule_set(actor=enforcement, per_week=3)
    with pytest.raises(ValidationError):
        patrol_schedule_set(actor=org_a.members["street_leader"], per_week=0)
    assert patrol_schedule_set(actor=org_a.members["street_leader"], per_week=3).per_week == 3


# --- holiday visits -----------------------------------------------------------------------------------------
def test_holiday_campaign_targets_and_a_volunteer_delivery_from_stock(org_a, household):
    from core.relief.holidays import holiday_campaign_create, holiday_visit_record
    from core.relief.ledger import item_create, stock_in

    leader, volunteer = org_a.members["street_leader"], org_a.members["volunteer"]
    campaign = holiday_campaign_create(actor=leader, name="2027年元旦慰问", holiday="new_year", starts_on="2026-12-25",
                                       ends_on="2027-01-03", categories=["dibao", "extreme_poverty"])
    targets = list(campaign.targets.all())
    assert {t.person.household_id for t in targets} == {household.pk} and len(targets) == 2  # both are dibao
    pack = item_create(actor=org_a.members["street_staff"], name="米面油礼包", unit="份")
    stock_in(actor=org_a.members["community_director"], item_id=pack.pk, community_id=org_a.c1.pk, quantity=1,
             source="donation", donor="爱心超市", now=NOW)
    when = dt.datetime(2026, 12, 30, 3, tzinfo=dt.UTC)
    visit = holiday_visit_record(actor=volunteer, target=targets[0], recipient_name="人员0", confirmation=png(),
                                 cash_amount="200.00", item_id=pack.pk, quantity=1, visited_at=when, now=when)
    assert visit.stock_out.recipient_name == "人员0" and visit.confirmation.name == visit.stock_out.confirmation.name
    assert visit.gifts == "米面油礼包 1份" and visit.cash_amount == Decimal("200.00")
    assert StockBalance.objects.get(item=pack).quantity == 0
    with pytest.raises(ValidationError, match="库存不足"):
        holiday_visit_record(actor=volunteer, target=targets[1], recipient_name="人员1", confirmation=png(),
                             item_id=pack.pk, quantity=1, visited_at=when, now=when)
    with pytest.raises(ValidationError) as err:
        holiday_visit_record(actor=volunteer, target=targets[1], recipient_name="", confirmation=None, visited_at=when,
                             now=when)
    assert set(err.value.message_dict) == {"gifts", "recipient_name", "confirmation"}
    assert HolidayVisit.objects.count() == 1
    with pytest.raises(PermissionDenied):
        holiday_campaign_create(actor=volunteer, name="x", holiday="new_year", starts_on="2026-12-25",
                                ends_on="2027-01-03", categories=["dibao"])


def test_the_daily_task_writes_expected_payments_flags_late_ones_and_opens_the_week(org_a, bring):
    from core.relief.models import PatrolWeek
    from core.relief.tasks import relief_daily

    case = bring("dibao", S.APPROVED)
    totals = relief_daily(now=dt.datetime(2027, 1, 11, 2, tzinfo=dt.UTC), schemas=[org_a.office.schema_name])
    assert totals == {"streets": 1, "expected": 1, "late": 1, "failed": 0}
    assert Payment.objects.get(case=case).status == "late"
    assert PatrolWeek.objects.filter(week_start=dt.date(2027, 1, 11)).exists()
    again = relief_daily(now=dt.datetime(2027, 1, 11, 3, tzinfo=dt.UTC), schemas=[org_a.office.schema_name])
    assert again == {"streets": 1, "expected": 0, "late": 0, "failed": 0}
