"""Relief cases: the procedure per case type, each step allowed or refused per role, the clocks of
the 2021 confirmation procedure, the street's decision limit, amounts exact to the fen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.deadlines.models import Clock
from core.relief.models import CaseEvent, ReliefCase
from core.relief.models import CaseStatus as S
from core.relief.services import (
    DECISION_STEPS,
    STEP_NAMES,
    WORKFLOWS,
    case_accept,
    case_add_evidence,
    case_extend,
    case_step,
    step_action,
    steps_for_member,
    steps_possible,
    transitions_for,
    workflow_for,
)
from tenants.members import member_for
from tests.core.relief.conftest import NOW, _route

STEP_DATA = {
    "help": {"note": "送去棉被", "amount": "300"},
    "investigate": {"note": "属实"},
    "review": {"note": "同意"},
    "notice": {},
    "objection": {"note": "有异议"},
    "to_district": {"note": "超额度", "amount": "5000", "above_request_reason": "入户核实另有医疗欠款"},
    "approve": {"amount": "800", "monthly_amount": "700", "note": "同意"},
    "refuse": {"reason": "收入超标"},
    "district_approve": {"amount": "5000", "note": "同意"},
    "district_refuse": {"reason": "不符合条件"},
    "notify_refusal": {"note": "已送达"},
    "deliver": {"note": "已发放"},
    "close": {"note": ""},
    "withdraw": {"note": "撤回"},
}
ROLES = ["street_leader", "street_staff", "community_director", "community_worker", "grid_worker",
         "building_head", "enforcement", "volunteer", "district_admin", "district_viewer"]


def _clocks(case, **kw):
    return Clock.objects.filter(subject_type="relief.reliefcase", subject_id=case.pk, **kw)


def _snapshot(case):
    case.refresh_from_db()
    return case.status, case.updated_at, CaseEvent.objects.filter(case=case).count(), _clocks(case).count()


# Every (kind/path, status, step) the workflows allow.
def _edges():
    edges = []
    for kind, path in [("dibao", "ordinary"), ("temporary", "ordinary"), ("temporary", "emergency"),
                       ("station_referral", "ordinary")]:
        for step in workflow_for(kind, path).steps:
            edges += [(kind, path, status, step.name) for status in sorted(step.sources)]
    return edges


@pytest.mark.parametrize(("kind", "path", "status", "step"), _edges())
def test_every_step_allowed_and_refused_per_role(org_a, bring, kind, path, status, step):
    """Each role either takes the step (its role may, the case lies in reach, it did not accept the
    case when the step is a decision) or is refused with nothing changed."""
    amount = "5000" if status == S.DISTRICT_REVIEW else "800"
    case = bring(kind, status, path=path, amount=amount)
    assert step in steps_possible(case)
    now = NOW + dt.timedelta(days=9)  # after any notice
    if step == "investigate" and kind == "dibao":
        case_add_evidence(case=case, actor=org_a.members["street_staff"], kind="home", note="入户", at=NOW)
    for role in ROLES:
        member = member_for(org_a.members["street_staff"].user if role == "street_staff" else
                            _user(org_a, role), org_a.office)
        done = set(case.events.filter(actor_id=member.user.pk).values_list("step", flat=True))
        expected = member.can(step_action(case, step)) and not (
            (step in DECISION_STEPS and "accepted" in done)  # nobody decides what they accepted
            or (step == "review" and done & {"accepted", "investigated"}))  # a second person reviews
        assert (step in steps_for_member(case, member)) == expected, (role, step)
        before = _snapshot(case)
        try:
            with transaction.atomic():
                case_step(case=case, actor=member, step=step, now=now, **STEP_DATA[step])
                taken = ReliefCase.objects.get(pk=case.pk).status
                raise _Rollback(taken)
        except _Rollback as done:
            assert expected, f"{role} took {step} on {kind}/{status}"
            assert done.status == workflow_for(kind, path).step(step).target
        except PermissionDenied:
            assert not expected, f"{role} was refused {step} on {kind}/{status}"
        assert _snapshot(case) == before


class _Rollback(Exception):
    def __init__(self, status):
        self.status = status


def _user(org_a, role):
    from tenants.models import User

    return User.objects.get(username=role if role.startswith("district") else f"a_{role}")


@pytest.mark.parametrize("step", list(STEP_NAMES))
def test_a_step_from_a_wrong_status_is_refused_clearly(org_a, bring, step):
    case = bring("temporary", S.CLOSED)  # nothing follows a closed case
    before = _snapshot(case)
    with pytest.raises(ValidationError) as err:
        case_step(case=case, actor=org_a.members["street_staff"], step=step, now=NOW, **STEP_DATA[step])
    assert "当前状态为「已办结」" in str(err.value)
    assert _snapshot(case) == before


def test_nobody_approves_their_own_submission(org_a, bring):
    staff = org_a.members["street_staff"]
    case = bring("temporary", S.INVESTIGATED, accepted_by=staff)
    before = _snapshot(case)
    with pytest.raises(PermissionDenied, match="职责分离"):
        case_step(case=case, actor=staff, step="approve", now=NOW, amount="800")
    assert _snapshot(case) == before
    case_step(case=case, actor=org_a.members["street_leader"], step="approve", now=NOW, amount="800")
    assert case.status == S.APPROVED and case.decided_by_id == org_a.members["street_leader"].user.pk


def test_dibao_procedure_with_objection_repeated_notice_and_clocks(org_a, household):
    worker, staff, leader = (org_a.members[r] for r in ("community_worker", "street_staff", "street_leader"))
    person = household.persons.first()
    case = case_accept(actor=worker, kind="dibao", household_id=household.pk, person_id=person.pk,
                       reason="丈夫病故，无固定收入", applied_by_community=True, accepted_at=NOW, now=NOW)
    whole = _clocks(case, kind="relief_whole").get()
    # 25 working days from Tue 2026-12-01 (not counted): Mon 2027-01-04 (1-1 is a public holiday in the
    # district calendar only if imported; the default weekday rule is used here).
    assert whole.rule == "受理起 25 个工作日"
    with pytest.raises(ValidationError, match="调查取证"):
        case_step(case=case, actor=worker, step="investigate", note="收入低", now=NOW)
    case_add_evidence(case=case, actor=worker, kind="neighbour", note="邻居证实无收入", at=NOW)
    case_step(case=case, actor=worker, step="investigate", note="人均收入低于标准", now=NOW)
    case_step(case=case, actor=staff, step="review", note="符合条件，拟纳入", now=NOW)
    with pytest.raises(ValidationError, match="公示期不少于7天"):
        case_step(case=case, actor=worker, step="notice", starts_on="2026-12-01", ends_on="2026-12-06", now=NOW)
    case_step(case=case, actor=worker, step="notice", starts_on="2026-12-01", ends_on="2026-12-07", now=NOW)
    first_confirm = _clocks(case, kind="relief_confirm").get()
    case_step(case=case, actor=worker, step="objection", note="群众反映家有经营性车辆", now=NOW)
    first_confirm.refresh_from_db()
    assert first_confirm.state == "cancelled"
    later = NOW + dt.timedelta(days=3)
    case_step(case=case, actor=worker, step="notice", starts_on="2026-12-04", ends_on="2026-12-10", now=later)
    assert case.notice_round == 2
    confirm = _clocks(case, kind="relief_confirm", state="on_track").get()
    # 10 working days after the notice ends on Thu 12-10: Thu 12-24, 23:59:59 Beijing time.
    assert confirm.due_at == dt.datetime(2026, 12, 24, 15, 59, 59, tzinfo=dt.UTC)
    with pytest.raises(ValidationError, match="期满后方可确认"):
        case_step(case=case, actor=leader, step="approve", monthly_amount="812.50", now=later)
    decided = NOW + dt.timedelta(days=11)
    case_step(case=case, actor=leader, step="approve", monthly_amount="812.50", now=decided)
    case.refresh_from_db()
    assert case.status == S.APPROVED and case.monthly_amount == Decimal("812.50")
    assert case.payment_start_month == dt.date(2027, 1, 1)  # the month after confirmation
    assert {c.kind: c.state for c in _clocks(case).exclude(state="cancelled")} == {
        "relief_whole": "met_on_time", "relief_confirm": "met_on_time"}
    assert [e.step for e in case.events.all()] == [
        "accepted", "evidence", "investigated", "reviewed", "notice", "objection", "notice", "approved"]


def test_refusal_starts_the_written_notice_clock(org_a, bring):
    case = bring("dibao", S.REFUSED)
    clock = _clocks(case, kind="relief_refusal").get()
    assert clock.rule == "作出决定后书面告知 3 个工作日"
    case_step(case=case, actor=org_a.members["community_worker"], step="notify_refusal", note="已当面送达",
              now=NOW + dt.timedelta(days=1))
    clock.refresh_from_db()
    assert clock.state == "met_on_time" and case.status == S.CLOSED


def test_staff_relative_is_always_investigated_at_home(org_a, household):
    worker = org_a.members["community_worker"]
    with pytest.raises(ValidationError, match="近亲属关系"):
        case_accept(actor=worker, kind="extreme_poverty", household_id=household.pk,
                    person_id=household.persons.first().pk, reason="无劳动能力", staff_relative=True, now=NOW)
    case = case_accept(actor=worker, kind="extreme_poverty", household_id=household.pk,
                       person_id=household.persons.first().pk, reason="无劳动能力", staff_relative=True,
                       staff_relative_note="社区主任之兄", accepted_at=NOW, now=NOW)
    case_add_evidence(case=case, actor=worker, kind="info_check", note="核对银行存款", at=NOW)
    with pytest.raises(ValidationError, match="必须入户调查"):
        case_step(case=case, actor=worker, step="investigate", note="符合", now=NOW)
    case_add_evidence(case=case, actor=worker, kind="home", note="入户查看居住条件", at=NOW)
    case_step(case=case, actor=worker, step="investigate", note="符合", now=NOW)
    assert case.status == S.INVESTIGATED


def test_extension_to_40_working_days_needs_a_reason(org_a, bring):
    case = bring("dibao", S.INVESTIGATED)
    leader = org_a.members["street_leader"]
    with pytest.raises(ValidationError):
        case_extend(case=case, actor=leader, reason=" ")
    case_extend(case=case, actor=leader, reason="申请人住院，无法入户核查")
    clock = _clocks(case, kind="relief_whole").get()
    # 40 working days after Tue 2026-12-01 on the weekday rule: Tue 2027-01-26.
    assert clock.due_at == dt.datetime(2027, 1, 26, 15, 59, 59, tzinfo=dt.UTC)
    assert "已延长" in clock.rule
    with pytest.raises(ValidationError, match="已延长"):
        case_extend(case=case, actor=leader, reason="再次")


def test_above_the_street_limit_the_district_decides(org_a, bring, users):
    case = bring("temporary", S.INVESTIGATED, amount="5000")
    leader = org_a.members["street_leader"]
    before = _snapshot(case)
    with pytest.raises(ValidationError, match="超过街道审批额度（3000.00 元）"):
        case_step(case=case, actor=leader, step="approve", amount="5000", now=NOW)
    assert _snapshot(case) == before
    with pytest.raises(ValidationError, match="由街道审批"):
        case_step(case=case, actor=leader, step="to_district", amount="2000", note="报区", now=NOW)
    case_step(case=case, actor=leader, step="to_district", amount="5000", note="重病住院，费用高", now=NOW)
    with pytest.raises(PermissionDenied):
        case_step(case=case, actor=leader, step="district_approve", amount="5000", now=NOW)
    district = member_for(users["district_admin"], org_a.office)
    assert district.read_only and steps_for_member(case, district) == ["district_approve", "district_refuse"]
    case_step(case=case, actor=district, step="district_approve", amount="4999.99", note="同意", now=NOW)
    assert (case.decision_level, case.amount_approved) == ("district", Decimal("4999.99"))
    viewer = member_for(users["district_viewer"], org_a.office)
    assert steps_for_member(case, viewer) == []


def test_emergency_path_helps_first_then_paperwork_on_its_own_clock(org_a, household):
    worker, leader = org_a.members["community_worker"], org_a.members["street_leader"]
    case = case_accept(actor=worker, kind="temporary", path="emergency", household_id=household.pk,
                       reason="突发疾病，家中无取暖", accepted_at=NOW, now=NOW)
    help_clock = _clocks(case, kind="relief_help").get()
    assert help_clock.due_at == NOW + dt.timedelta(hours=24)
    with pytest.raises(ValidationError):  # no decision before help and paperwork
        case_step(case=case, actor=leader, step="approve", amount="500", now=NOW)
    case_step(case=case, actor=worker, step="help", note="送去电暖器和棉被", amount="500", now=NOW + dt.timedelta(hours=3))
    help_clock.refresh_from_db()
    assert help_clock.state == "met_on_time"
    paperwork = _clocks(case, kind="relief_paperwork").get()
    assert paperwork.rule == "先行救助后补办手续 5 个工作日"
    case_step(case=case, actor=worker, step="investigate", note="补充调查属实", now=NOW + dt.timedelta(days=1))
    case_step(case=case, actor=leader, step="approve", amount="500", now=NOW + dt.timedelta(days=2))
    paperwork.refresh_from_db()
    assert paperwork.state == "met_on_time"
    with pytest.raises(ValidationError):
        case_accept(actor=worker, kind="dibao", path="emergency", household_id=household.pk, reason="x", now=NOW)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("1234.56", Decimal("1234.56")), ("0.10", Decimal("0.10")), (Decimal("2999.99"), Decimal("2999.99")),
     (0.3, Decimal("0.30")), ("3000", Decimal("3000.00"))],
)
def test_amounts_are_exact_to_the_fen(org_a, bring, raw, stored):
    case = bring("heating_subsidy", S.INVESTIGATED, amount="3000")
    case_step(case=case, actor=org_a.members["street_leader"], step="approve", amount=raw, now=NOW)
    case.refresh_from_db()
    assert case.amount_approved == stored and str(case.amount_approved) == str(stored)


@pytest.mark.parametrize(("raw", "message"), [("12.345", "精确到分"), ("-5", "不能为负数"), ("abc", "格式不正确"),
                                              ("NaN", "格式不正确"), ("99999999", "过大")])
def test_bad_amounts_are_refused_and_nothing_changes(org_a, bring, raw, message):
    case = bring("heating_subsidy", S.INVESTIGATED)
    before = _snapshot(case)
    with pytest.raises(ValidationError, match=message):
        case_step(case=case, actor=org_a.members["street_leader"], step="approve", amount=raw, now=NOW)
    assert _snapshot(case) == before


def test_a_case_meets_needs_and_they_close_on_delivery(org_a, household, bring):
    from core.inspections.models import Need
    from core.relief.services import case_link_needs

    need = Need.objects.create(household=household, need_type="heating_fee", quantity=1)
    other = Need.objects.create(household=household, need_type="clothing", quantity=2)
    case = bring("heating_subsidy", S.APPROVED)
    case_link_needs(case=case, actor=org_a.members["community_worker"], need_ids=[need.pk])
    need.refresh_from_db()
    assert need.status == "open"
    case_step(case=case, actor=org_a.members["community_worker"], step="deliver", note="取暖补贴已打卡", now=NOW)
    need.refresh_from_db(), other.refresh_from_db()
    assert (need.status, other.status) == ("met", "open")


def test_out_of_reach_and_unknown_household_are_refused(org_a, household):
    from tests.registry_places import make_household

    elsewhere = make_household(org_a, grid=org_a.g3)
    grid_worker = org_a.members["community_worker"]
    with pytest.raises(PermissionDenied):
        case_accept(actor=grid_worker, kind="temporary", household_id=elsewhere.pk, reason="x", now=NOW)
    with pytest.raises(ValidationError, match="户不存在"):
        case_accept(actor=grid_worker, kind="temporary", household_id=99999999, reason="x", now=NOW)
    with pytest.raises(PermissionDenied):
        case_accept(actor=org_a.members["volunteer"], kind="temporary", household_id=household.pk, reason="x", now=NOW)
    assert not ReliefCase.objects.exists()


def test_every_route_of_the_fixture_reaches_its_status(bring):
    """Each case type reaches each status its table has (the demo relies on the same walk)."""
    for kind, path in [("dibao", "ordinary"), ("extreme_poverty", "ordinary"), ("temporary", "ordinary"),
                       ("temporary", "emergency"), ("heating_subsidy", "ordinary"), ("material_aid", "ordinary"),
                       ("station_referral", "ordinary")]:
        table = transitions_for(kind, path)
        statuses = set(table) | {t for ts in table.values() for t in ts}
        for status in statuses:
            _route(kind, path, status)
            assert bring(kind, status, path=path, amount="5000" if status == S.DISTRICT_REVIEW else "800").status == status


def test_two_simultaneous_decisions_one_wins_the_other_is_told(org_a, bring):
    """The second press on a case someone already moved gets the kit's conflict, nothing twice."""
    from core.workflow import StepConflict

    case = bring("temporary", S.INVESTIGATED)
    stale = ReliefCase.objects.get(pk=case.pk)  # the page the second person still has open
    case_step(case=case, actor=org_a.members["street_leader"], step="approve", amount="800", now=NOW)
    with pytest.raises(StepConflict, match="已被他人处理"):
        case_step(case=stale, actor=org_a.members["street_leader"], step="refuse", reason="x", now=NOW)
    assert CaseEvent.objects.filter(case=case, step__in=("approved", "refused")).count() == 1


def test_the_workflows_cover_the_tables():
    assert set(WORKFLOWS) == {"enrolment", "grant", "emergency", "referral"}
    assert transitions_for("dibao", "ordinary")[S.OBJECTION] == {S.NOTICE, S.REFUSED}


def test_an_extended_case_stays_on_the_calendar_and_follows_a_new_holiday(org_a, bring, users):
    from core.campaigns.services import calendar_day_set
    from tenants.members import member_for

    case = bring("dibao", S.INVESTIGATED)
    case_extend(case=case, actor=org_a.members["street_leader"], reason="申请人住院，无法入户核查")
    clock = _clocks(case, kind="relief_whole").get()
    assert (clock.duration_amount, clock.duration_unit) == (40, "working_days")
    assert clock.due_at == dt.datetime(2027, 1, 26, 15, 59, 59, tzinfo=dt.UTC)

    calendar_day_set(district=org_a.office.district, date=dt.date(2026, 12, 24), kind="holiday",
                     actor=member_for(users["district_admin"], None))

    clock.refresh_from_db()
    assert clock.due_at == dt.datetime(2027, 1, 27, 15, 59, 59, tzinfo=dt.UTC)
    assert "已延长" in clock.rule
