"""What a tester found using relief as real users would (each test fails without its fix):
decision amounts sanity-checked against the district's ceilings and the request, separation of duties
on the street's review, dibao only for an identified applicant, one amount parser, one cash gift per
person and holiday campaign, patrol compliance counting only elapsed weeks from the schedule's start."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from core.relief.models import CaseStatus as S
from core.relief.services import case_accept, case_add_evidence, case_step, parse_amount, steps_for_member
from tests.core.relief.conftest import NOW, png


# --- 3. decision amounts --------------------------------------------------------------------------------
def test_district_approval_of_an_absurd_amount_is_refused_and_nothing_changes(org_a, bring, users):
    """Case 75: 4000.00 requested, sent to the district; district_approve with 999999.99 answered 200."""
    case = bring("temporary", S.INVESTIGATED, amount="4000.00")
    case = case_step(case=case, actor=org_a.members["street_leader"], step="to_district", now=NOW,
                     note="超过街道额度", amount="4000.00")
    district = _district(users, org_a.office)
    with pytest.raises(ValidationError) as err:
        case_step(case=case, actor=district, step="district_approve", now=NOW, amount="999999.99")
    assert "临时救助单次上限" in err.value.message_dict["amount"][0]
    case.refresh_from_db()
    assert case.status == S.DISTRICT_REVIEW and case.amount_approved is None
    # above the request: refused without a reason, accepted with one (and the reason is in the history)
    with pytest.raises(ValidationError) as err:
        case_step(case=case, actor=district, step="district_approve", now=NOW, amount="6000.00")
    assert "高于申请金额" in err.value.message_dict["above_request_reason"][0]
    case_step(case=case, actor=district, step="district_approve", now=NOW, amount="6000.00",
              above_request_reason="入户核实医疗费用另有2000元欠款")
    assert case.amount_approved == Decimal("6000.00")
    assert "入户核实医疗费用" in case.events.get(step="approved").note


def test_street_approval_above_the_request_needs_a_reason_and_the_ceiling_is_the_districts(org_a, bring, users):
    from core.reliefpolicy.services import relief_policy_set

    leader = org_a.members["street_leader"]
    case = bring("heating_subsidy", S.INVESTIGATED, amount="500")
    with pytest.raises(ValidationError, match="高于申请金额"):
        case_step(case=case, actor=leader, step="approve", now=NOW, amount="900")
    relief_policy_set(actor=_district(users), district=org_a.office.district, heating_subsidy_ceiling="800")
    with pytest.raises(ValidationError, match="取暖补贴单次上限（800.00 元"):
        case_step(case=case, actor=leader, step="approve", now=NOW, amount="900", above_request_reason="两处住所")
    case_step(case=case, actor=leader, step="approve", now=NOW, amount="500")
    assert case.status == S.APPROVED and case.amount_approved == Decimal("500.00")


def test_an_enrolment_monthly_amount_above_the_ceiling_is_refused(org_a, bring):
    case = bring("dibao", S.NOTICE)
    with pytest.raises(ValidationError, match="上限"):
        case_step(case=case, actor=org_a.members["street_leader"], step="approve", now=NOW + dt.timedelta(days=8),
                  monthly_amount="99999.00")


def _district(users, office=None):
    from tenants.members import member_for

    return member_for(users["district_admin"], office)


# --- 4. separation of duties, identified applicant ---------------------------------------------------------
def test_the_acceptor_or_investigator_may_not_give_the_review_opinion(org_a, household):
    staff, leader = org_a.members["street_staff"], org_a.members["street_leader"]
    person = household.persons.first()
    case = case_accept(actor=staff, kind="dibao", household_id=household.pk, person_id=person.pk, reason="收入低",
                       accepted_at=NOW, now=NOW)
    case_add_evidence(case=case, actor=staff, kind="home", note="入户核查", at=NOW)
    case_step(case=case, actor=staff, step="investigate", now=NOW, note="属实")
    assert "review" not in steps_for_member(case, staff)
    with pytest.raises(PermissionDenied, match="职责分离：您已办理本案的「受理」"):
        case_step(case=case, actor=staff, step="review", now=NOW, note="同意")
    case.refresh_from_db()
    assert case.status == S.INVESTIGATED and case.review_opinion == ""
    # accepted by the community, investigated by the staff member: the staff member may not review it
    other = case_accept(actor=org_a.members["community_worker"], kind="dibao", household_id=household.pk,
                        person_id=person.pk, reason="收入低", accepted_at=NOW, now=NOW)
    case_add_evidence(case=other, actor=staff, kind="home", note="入户核查", at=NOW)
    case_step(case=other, actor=staff, step="investigate", now=NOW, note="属实")
    with pytest.raises(PermissionDenied, match="「调查核实」"):
        case_step(case=other, actor=staff, step="review", now=NOW, note="同意")
    case_step(case=other, actor=leader, step="review", now=NOW, note="同意")
    case_step(case=case, actor=leader, step="review", now=NOW, note="同意，拟纳入")
    assert case.status == S.REVIEWED and case.reviewed_by_id == leader.user.pk


def test_dibao_needs_an_identified_applicant_but_temporary_help_does_not(org_a):
    from tests.registry_places import make_household

    vagrant = make_household(org_a, vagrant=True)
    person = vagrant.persons.get()
    staff = org_a.members["street_staff"]
    for kind in ("dibao", "extreme_poverty"):
        with pytest.raises(ValidationError) as err:
            case_accept(actor=staff, kind=kind, household_id=vagrant.pk, person_id=person.pk, reason="流浪",
                        accepted_at=NOW, now=NOW)
        assert "尚未登记身份证号" in err.value.message_dict["person_id"][0]
    case = case_accept(actor=staff, kind="temporary", path="emergency", household_id=vagrant.pk, person_id=person.pk,
                       reason="街面发现流浪人员", accepted_at=NOW, now=NOW)
    assert case.status == S.ACCEPTED


# --- 6. one amount parser --------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", ["1E2", "1e2", "1_000", "٣٠٠", "NaN", "Infinity", "+5", "1,00", "12.", ".5", "五百",
                                 "1 000", "0x10"])
def test_amounts_in_other_notations_are_refused_clearly(raw):
    with pytest.raises(ValidationError) as err:
        parse_amount(raw, "amount")
    assert err.value.message_dict["amount"] == ["金额格式不正确，请填写数字，如 1200 或 812.50 / invalid amount: digits like 1200 or 812.50"]


@pytest.mark.parametrize(("raw", "value"), [
    ("1200", "1200.00"), ("812.50", "812.50"), ("１２００", "1200.00"), ("８１２．５", "812.50"), ("1,200.50", "1200.50"),
    ("１，２００", "1200.00"), ("\u3000300 ", "300.00"), (Decimal("7.1"), "7.10"), (300, "300.00"), (0.1, "0.10"),
])
def test_plain_and_full_width_amounts_are_read(raw, value):
    assert parse_amount(raw, "amount") == Decimal(value)


def test_every_relief_entry_uses_the_one_parser(org_a, household, users):
    from core.reliefpolicy.services import relief_policy_set

    person = household.persons.first()
    with pytest.raises(ValidationError, match="金额格式不正确"):
        case_accept(actor=org_a.members["street_staff"], kind="temporary", household_id=household.pk,
                    person_id=person.pk, reason="取暖", amount_requested="1E2", accepted_at=NOW, now=NOW)
    with pytest.raises(ValidationError, match="金额格式不正确"):
        relief_policy_set(actor=_district(users), district=org_a.office.district, street_decision_limit="3e3")


# --- 5. one cash gift per person and campaign ----------------------------------------------------------------
def _campaign(org_a):
    from core.relief.holidays import holiday_campaign_create

    return holiday_campaign_create(actor=org_a.members["street_leader"], name="2027年元旦慰问", holiday="new_year",
                                   starts_on="2026-12-25", ends_on="2027-01-03", categories=["dibao"])


def test_a_second_cash_gift_to_the_same_person_in_a_campaign_is_refused(org_a, household):
    from core.relief.holidays import holiday_visit_record
    from core.relief.models import HolidayVisit

    target = _campaign(org_a).targets.order_by("id").first()
    volunteer = org_a.members["volunteer"]
    when = dt.datetime(2026, 12, 30, 3, tzinfo=dt.UTC)
    holiday_visit_record(actor=volunteer, target=target, recipient_name="人员0", confirmation=png(),
                         cash_amount="500", visited_at=when, now=when)
    with pytest.raises(ValidationError) as err:
        holiday_visit_record(actor=volunteer, target=target, recipient_name="人员0", confirmation=png(),
                             cash_amount="500", visited_at=when, now=when + dt.timedelta(seconds=1))
    assert "不能重复发放" in err.value.message_dict["cash_amount"][0]
    # goods without cash on a second visit stay allowed
    holiday_visit_record(actor=volunteer, target=target, recipient_name="人员0", confirmation=png(), gifts="春联",
                         visited_at=when, now=when)
    assert HolidayVisit.objects.filter(target=target).count() == 2


def test_the_database_refuses_a_raced_second_cash_gift_with_the_rules_message(org_a, household):
    from core.once.unique import violation_error
    from core.relief.models import HolidayVisit

    target = _campaign(org_a).targets.order_by("id").first()
    when = dt.datetime(2026, 12, 30, 3, tzinfo=dt.UTC)
    row = dict(target=target, visited_at=when, visitor_name="志愿者", cash_amount=Decimal("500"), recipient_name="x",
               confirmation="relief/confirmations/a.png")
    HolidayVisit.objects.create(**row)
    with pytest.raises(IntegrityError) as err, transaction.atomic():
        HolidayVisit.objects.create(**row)
    assert "不能重复发放" in violation_error(err.value).message_dict["cash_amount"][0]


# --- 7. patrol compliance ------------------------------------------------------------------------------
def _local(day: dt.date, hour: int = 10) -> dt.datetime:
    from core.deadlines.durations import LOCAL_TZ

    return dt.datetime.combine(day, dt.time(hour), tzinfo=LOCAL_TZ).astimezone(dt.UTC)


def test_patrol_compliance_counts_only_elapsed_weeks_from_the_schedules_start(org_a):
    from core.relief.patrols import patrol_compliance, patrol_record, patrol_schedule_set

    leader, enforcement = org_a.members["street_leader"], org_a.members["enforcement"]
    patrol_schedule_set(actor=leader, per_week=2, starts_on=dt.date(2026, 11, 23))
    now = _local(dt.date(2026, 12, 1))  # Tuesday
    patrol_record(actor=enforcement, started_at=_local(dt.date(2026, 11, 24)), area="火车站", members="王队", now=now)
    weeks = patrol_compliance(weeks=8, now=now)
    assert [(w["week_start"], w["state"]) for w in weeks] == [
        (dt.date(2026, 11, 30), "in_progress"),  # the current week is not failed
        (dt.date(2026, 11, 23), "overdue"),  # elapsed and short
    ]  # nothing before the schedule's start week (11-02 was listed as overdue), nothing in the future
    # asked for a period reaching into the future: still only weeks that have begun
    later = patrol_compliance(weeks=8, now=now, until=dt.date(2026, 12, 20))
    assert [w["week_start"] for w in later] == [dt.date(2026, 11, 30), dt.date(2026, 11, 23)]


def test_the_monthly_report_counts_no_future_patrol_weeks(org_a):
    from core.relief.patrols import patrol_schedule_set
    from reports.kinds import Period
    from reports.monthly import _relief_figures

    patrol_schedule_set(actor=org_a.members["street_leader"], per_week=2, starts_on=dt.date(2026, 11, 2))
    now = _local(dt.date(2026, 12, 1))
    figures = _relief_figures(member=org_a.members["street_leader"], community_id=None, now=now,
                              period=Period(dt.date(2026, 11, 21), dt.date(2026, 12, 20)))
    patrol = next(f for f in figures if f.label.startswith("本期巡查周数"))
    # weeks ending in the period that have ended by 12-01: 11-16..11-22 and 11-23..11-29; 11-30.. runs
    assert patrol.value == "2 / 2，本周进行中"
