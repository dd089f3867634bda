"""Writes of relief cases (救助案件): accept, the procedure steps, evidence, time-limit extension.

Every case type has an explicit transition table (``TRANSITIONS``); every step has the action a role
needs (``STEP_ACTIONS``); ``case_step`` is the one entry point for a step (pages and API call it).
Nobody decides (approves or refuses) a case they accepted themselves, and the street's review
opinion comes from someone other than who accepted or investigated it (the kit's ``Step.not_by``).

Dibao (城乡低保) and extreme-poverty support (特困供养) enrolment follow 民政部《最低生活保障审核
确认办法》(民发〔2021〕57号): acceptance by the street (the community may apply on the family's
behalf, 第九条); household economic investigation with evidence (入户调查、邻里访问、信息核对、民主
评议, 第十五条～第二十条); the street's review opinion; public notice in the community for at least 7
days, objections investigated and the notice repeated (第二十一、二十二条); confirmation within 10
working days after the notice ends, a refusal told in writing with reasons within 3 working days
(第二十三、二十四条); the whole within 25 working days of acceptance, 40 in special cases with a
recorded reason (第二十五条). Applications of close relatives of staff or community cadres are
registered as such and always investigated at home (第十三条). Payments start the month after
confirmation. All time limits come from the district's ``ReliefPolicy`` as clocks of the clock engine.

Temporary assistance (临时救助), heating subsidies and material aid: an ordinary path (decision within
the district's working days) and, for temporary assistance, an emergency path (急难型): help first
within hours, the paperwork completed afterwards. The street decides up to the district's amount;
above it the case goes to the district (``relief.district_decide``).

Errors: ``ValidationError`` (field -> Chinese / English messages) for bad input or a step not allowed
from the current status; ``PermissionDenied`` for a role that may not take the step, a case outside
the actor's reach, or deciding one's own case. Nothing is changed when either is raised.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.audit.services import audit_record, model_snapshot
from core.common import current_office, ensure_can
from core.deadlines.durations import HOURS, LOCAL_TZ, WORKING_DAYS, Duration, end_of_local_day
from core.deadlines.services import clock_cancel, clock_meet, clock_open_kinds, clock_retime, clock_start
from core.events.services import publish
from core.org.scope import member_reaches
from core.registry.models import Household, Person
from core.relief.models import (
    ENROLMENT_KINDS,
    CaseEvent,
    CaseEvidence,
    CaseKind,
    CasePath,
    CaseStatus,
    EvidenceKind,
    ReliefCase,
)
from core.relief.uploads import check_image
from core.reliefpolicy.amounts import MAX_AMOUNT, parse_amount  # noqa: F401 - the one amount parser, re-exported
from core.workflow import Step, Workflow
from tenants.roles import BUILDING_HEAD, COMMUNITY_DIRECTOR, COMMUNITY_WORKER, GRID_WORKER, VOLUNTEER

S = CaseStatus
TERMINAL = (S.APPROVED, S.CLOSED, S.WITHDRAWN)
STATUS_LABELS = dict(S.choices)
ENROLMENT_STATUS_LABELS = STATUS_LABELS | {S.APPROVED: "已确认纳入", S.REFUSED: "不予确认"}
REFERRAL_STATUS_LABELS = STATUS_LABELS | {S.DELIVERED: "已送救助管理站"}


def _step(name, label, sources, target, action, event="", not_by=()):
    return Step(name=name, label=label, sources=frozenset(sources), target=target, action=action,
                event=event or str(target), not_by=frozenset(not_by))


def _workflow(labels, steps) -> Workflow:
    return Workflow(
        model=ReliefCase,
        status_labels=labels,
        steps=steps,
        event_model=CaseEvent,
        event_fk="case",
        audit_prefix="relief",
        number_prefix="JZ",
        url=lambda case: f"/relief/cases/{case.pk}/",
    )


E, A, D = "relief.edit", "relief.approve", "relief.district_decide"
# Separation of duties (the kit's ``not_by``): nobody decides a case they accepted; the street's
# review opinion (街道审核) comes from someone other than who accepted or investigated the case
# (民发〔2021〕57号 第二十一条: the street reviews the investigation's result, i.e. a second person).
NOT_ACCEPTOR = ("accepted",)
NOT_ACCEPTOR_OR_INVESTIGATOR = ("accepted", "investigated")
# The district's decision on a case above the street's limit: same effect as the street's, own action.
_DISTRICT = [
    _step("district_approve", "区民政局批准", {S.DISTRICT_REVIEW}, S.APPROVED, D, not_by=NOT_ACCEPTOR),
    _step("district_refuse", "区民政局不予批准", {S.DISTRICT_REVIEW}, S.REFUSED, D, not_by=NOT_ACCEPTOR),
]
_DECIDE = [
    _step("approve", "批准", {S.INVESTIGATED}, S.APPROVED, A, not_by=NOT_ACCEPTOR),
    _step("refuse", "不予批准", {S.INVESTIGATED}, S.REFUSED, A, not_by=NOT_ACCEPTOR),
    _step("to_district", "报区审批", {S.INVESTIGATED}, S.DISTRICT_REVIEW, A),
    *_DISTRICT,
    _step("notify_refusal", "书面告知", {S.REFUSED}, S.CLOSED, E, event="refusal_notified"),
]
ENROLMENT = _workflow(ENROLMENT_STATUS_LABELS, [
    _step("investigate", "调查核实", {S.ACCEPTED}, S.INVESTIGATED, E),
    _step("review", "街道审核", {S.INVESTIGATED}, S.REVIEWED, A, not_by=NOT_ACCEPTOR_OR_INVESTIGATOR),
    _step("notice", "公示（含重新公示）", {S.REVIEWED, S.OBJECTION}, S.NOTICE, E),
    _step("objection", "登记异议", {S.NOTICE}, S.OBJECTION, E),  # investigated, then the notice is repeated
    _step("approve", "确认纳入", {S.NOTICE}, S.APPROVED, A, not_by=NOT_ACCEPTOR),
    _step("refuse", "不予确认", {S.REVIEWED, S.NOTICE, S.OBJECTION}, S.REFUSED, A, not_by=NOT_ACCEPTOR),
    _step("notify_refusal", "书面告知", {S.REFUSED}, S.CLOSED, E, event="refusal_notified"),
    _step("withdraw", "撤回", {S.ACCEPTED, S.INVESTIGATED}, S.WITHDRAWN, E),
])
GRANT = _workflow(STATUS_LABELS, [
    _step("investigate", "调查核实", {S.ACCEPTED}, S.INVESTIGATED, E),
    *_DECIDE,
    _step("deliver", "发放", {S.APPROVED}, S.DELIVERED, E),
    _step("close", "办结", {S.DELIVERED}, S.CLOSED, E),
    _step("withdraw", "撤回", {S.ACCEPTED}, S.WITHDRAWN, E),
])
EMERGENCY = _workflow(STATUS_LABELS, [
    _step("help", "先行救助", {S.ACCEPTED}, S.HELPED, E),  # help first ...
    _step("investigate", "补充调查", {S.HELPED}, S.INVESTIGATED, E),  # ... then the paperwork
    *_DECIDE,
    _step("close", "办结", {S.APPROVED}, S.CLOSED, E),
])
REFERRAL = _workflow(REFERRAL_STATUS_LABELS, [
    _step("deliver", "送救助管理站", {S.ACCEPTED}, S.DELIVERED, E),
    _step("close", "办结", {S.DELIVERED}, S.CLOSED, E),
    _step("withdraw", "撤回", {S.ACCEPTED}, S.WITHDRAWN, E),
])
WORKFLOWS = {"enrolment": ENROLMENT, "grant": GRANT, "emergency": EMERGENCY, "referral": REFERRAL}
STEP_NAMES = tuple(dict.fromkeys(step.name for wf in WORKFLOWS.values() for step in wf.steps))
DECISION_STEPS = ("approve", "refuse", "district_approve", "district_refuse")

# Clock kinds of relief (labels registered in core/relief/deadlines.py).
CLOCK_WHOLE, CLOCK_DECIDE, CLOCK_HELP, CLOCK_PAPERWORK = "relief_whole", "relief_decide", "relief_help", "relief_paperwork"
CLOCK_CONFIRM, CLOCK_REFUSAL = "relief_confirm", "relief_refusal"
CASE_CLOCK_KINDS = (CLOCK_WHOLE, CLOCK_DECIDE, CLOCK_HELP, CLOCK_PAPERWORK, CLOCK_CONFIRM, CLOCK_REFUSAL)
CASE_SUBJECT_TYPE = "relief.reliefcase"


def workflow_for(kind: str, path: str = CasePath.ORDINARY) -> Workflow:
    """The workflow (transition table) of a case type: enrolment (低保/特困), referral, emergency
    temporary assistance, or the ordinary grant (temporary, heating subsidy, material aid)."""
    if kind in ENROLMENT_KINDS:
        return ENROLMENT
    if kind == CaseKind.STATION_REFERRAL:
        return REFERRAL
    if path == CasePath.EMERGENCY:
        return EMERGENCY
    return GRANT


def transitions_for(kind: str, path: str) -> dict[str, set[str]]:
    """Status -> statuses reachable in one step (only statuses that have a way out)."""
    return {k: v for k, v in workflow_for(kind, path).transitions.items() if v}


def step_label(case: ReliefCase, step: str) -> str:
    return workflow_for(case.kind, case.path).step(step).label


def status_label(case: ReliefCase) -> str:
    return workflow_for(case.kind, case.path).label(case.status)


def step_action(case: ReliefCase, step: str) -> str:
    """The permission-matrix action a member needs to take ``step`` on this case."""
    return workflow_for(case.kind, case.path).step(step).action


def steps_possible(case: ReliefCase) -> list[str]:
    """Steps the case's table allows from its status (whoever takes them)."""
    return [s.name for s in workflow_for(case.kind, case.path).steps if case.status in s.sources]


def steps_for_member(case: ReliefCase, member) -> list[str]:
    """Steps this member may take now: allowed by the table, the role and the steps' separation of
    duties (the kit's ``available``), and the case lies in reach."""
    if member is None or not member_reaches(member, community_id=case.community_id, grid_id=case.grid_id):
        return []
    return [s.name for s in workflow_for(case.kind, case.path).available(case, member)]


def steps_barred_for(case: ReliefCase, member) -> list[tuple[str, str]]:
    """[(step label, earlier step label)]: steps the case waits for that the member's role could take
    but separation of duties bars them from (shown on the page as "请由其他人员办理")."""
    workflow = workflow_for(case.kind, case.path)
    out = []
    for step in workflow.steps:
        if case.status in step.sources and step.not_by and member is not None and member.can(step.action):
            conflict = workflow.separation_conflict(case, step.name, member)
            if conflict:
                out.append((step.label, conflict))
    return out


# --- helpers ---------------------------------------------------------------------------------------
def _snap(obj) -> dict:
    """``model_snapshot`` with stored files as their (generated) names."""
    from django.db.models.fields.files import FieldFile

    return {k: (v.name if isinstance(v, FieldFile) else v) for k, v in model_snapshot(obj).items()}


def _user_id(actor) -> int | None:
    return getattr(getattr(actor, "user", None), "pk", None)


def _name(actor) -> str:
    user = getattr(actor, "user", None)
    return user.display_name() if user else "系统"


def _text(value, field: str, label: str, *, required: bool = True, limit: int = 4000) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not value:
        raise ValidationError({field: [f"请填写{label} / {field} is required"]})
    if len(value) > limit:
        raise ValidationError({field: [f"{label}不能超过{limit}字 / {field} is too long"]})
    return value


def _check_decided_amount(case: ReliefCase, amount: Decimal, field: str, data: dict) -> str:
    """Sanity of an amount a decision grants (approve, district_approve, to_district, help).

    Rule (社会救助暂行办法 第十一条, 第四十八、四十九条: the amount follows the local standard and the
    verified hardship): (1) never above the district's ceiling for the kind (``ReliefPolicy.ceiling_for``,
    the monthly amount for 低保/特困) — refused, to be corrected; (2) above the amount the family
    requested only with an explicit reason (``above_request_reason``: the investigation found a larger
    need) — without it refused, so a slip of the keyboard (999999.99 for 4000.00) cannot pass.
    Returns the text for the case's history ("" when the amount is within the request).
    Raises ``ValidationError`` on ``field`` (or ``above_request_reason``).
    """
    ceiling = _policy().ceiling_for(case.kind)
    if ceiling is not None and amount > ceiling:
        raise ValidationError(
            {field: [f"超过{case.get_kind_display()}单次上限（{ceiling} 元，区民政局设定），请核对金额 / "
                     f"above the district's ceiling of {ceiling} yuan for this kind"]},
            code="invalid",
        )
    requested = case.amount_requested or Decimal("0")
    if case.kind in ENROLMENT_KINDS or requested <= 0 or amount <= requested:
        return ""
    reason = _text(data.get("above_request_reason"), "above_request_reason", "高于申请金额的理由", required=False,
                   limit=500)
    if not reason:
        raise ValidationError(
            {"above_request_reason": [f"金额 {amount} 元高于申请金额 {requested} 元：请核对，确需多给时填写理由 / "
                                      f"{amount} is above the {requested} requested: give the reason to confirm"]},
            code="invalid",
        )
    return f"（高于申请金额 {requested} 元，理由：{reason}）"


def _policy():
    from core.reliefpolicy.services import relief_policy_for

    return relief_policy_for(current_office().district)


def _calendar():
    from core.campaigns.services import calendar_for

    return calendar_for(current_office().district)


def _ensure_reach(actor, case_or_household) -> None:
    if hasattr(actor, "scope") and not member_reaches(
        actor, community_id=case_or_household.community_id, grid_id=case_or_household.grid_id
    ):
        raise PermissionDenied("不在您的管辖范围 / outside your reach")


def _event(case: ReliefCase, step: str, actor, at: dt.datetime, note: str = "") -> None:
    CaseEvent.objects.create(
        case=case, step=step, at=at, actor_id=_user_id(actor), actor_name=_name(actor), note=note[:2000]
    )


def _clock(case: ReliefCase, kind: str, duration: Duration, started_at: dt.datetime, now, actor, rule_prefix=""):
    return clock_start(
        subject=case,
        kind=kind,
        duration=duration,
        calendar=_calendar(),
        started_at=started_at,
        now=now,
        responsible_user_id=case.accepted_by_id,
        community_id=case.community_id,
        grid_id=case.grid_id,
        title=f"救助 {case.number} {case.person.name if case.person_id else case.household}",
        rule=f"{rule_prefix}{duration.label}" if rule_prefix else "",
        actor=actor,
    )


def _cancel_open_clocks(case: ReliefCase, reason: str, actor) -> None:
    for kind in sorted(clock_open_kinds(subject=case)):
        clock_cancel(subject=case, kind=kind, reason=reason, actor=actor)


def _locked(case: ReliefCase) -> ReliefCase:
    """Re-read the case under a row lock: two people taking a step at once are serialised, and the
    second sees the first's status (and is refused by the transition table)."""
    return ReliefCase.objects.select_for_update(of=("self",)).select_related("person", "household").get(pk=case.pk)


# --- accept ----------------------------------------------------------------------------------------
@transaction.atomic
def case_accept(
    *,
    actor,
    kind: str,
    household_id: int,
    reason: str,
    person_id: int | None = None,
    path: str = CasePath.ORDINARY,
    amount_requested=Decimal("0"),
    applied_by_community: bool = False,
    staff_relative: bool = False,
    staff_relative_note: str = "",
    need_ids: list[int] | tuple[int, ...] = (),
    accepted_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> ReliefCase:
    """Accept an application (受理) for a household in the actor's reach, optionally for one of its
    persons, and start the case's clocks: enrolment 'relief_whole' (25 working days by default),
    ordinary grants 'relief_decide', emergency and referral 'relief_help' (hours).

    ``amount_requested`` is yuan (Decimal or a string like "1200.50"). ``need_ids`` are open needs of
    the same household that this case is meant to meet.
    """
    ensure_can(actor, "relief.edit")
    now = now or timezone.now()
    accepted_at = accepted_at or now
    errors: dict[str, list[str]] = {}
    if kind not in CaseKind.values:
        errors["kind"] = ["救助类型无效 / unknown case type"]
    if path not in CasePath.values:
        errors["path"] = ["程序无效 / unknown path"]
    elif path == CasePath.EMERGENCY and kind != CaseKind.TEMPORARY:
        errors["path"] = ["急难型程序仅适用于临时救助 / the emergency path is for temporary assistance only"]
    household = Household.objects.select_related("community", "grid").filter(pk=household_id or 0).first()
    if household is None:
        errors["household_id"] = ["户不存在 / unknown household"]
    elif not household.is_active:
        errors["household_id"] = ["该户已注销 / the household is deregistered"]
    person = None
    if person_id not in (None, ""):
        person = Person.objects.filter(pk=person_id, household_id=getattr(household, "pk", 0), is_active=True).first()
        if person is None:
            errors["person_id"] = ["救助对象不属于该户 / the person is not in this household"]
    try:
        amount = parse_amount(amount_requested if amount_requested not in (None, "") else "0", "amount_requested")
    except ValidationError as exc:
        errors.update(exc.message_dict)
        amount = Decimal("0")
    if not (reason or "").strip():
        errors["reason"] = ["请填写申请事由 / reason is required"]
    if staff_relative and not (staff_relative_note or "").strip():
        errors["staff_relative_note"] = [
            "请说明与哪位工作人员或村（居）干部的近亲属关系 / say whose close relative the applicant is"
        ]
    if accepted_at > now + dt.timedelta(minutes=5):
        errors["accepted_at"] = ["受理时间不能晚于当前时间 / accepted_at is in the future"]
    if errors:
        raise ValidationError(errors)
    _ensure_reach(actor, household)
    if kind in ENROLMENT_KINDS and person is None:
        raise ValidationError({"person_id": ["低保、特困供养须指定申请人 / enrolment needs the applicant person"]})
    if kind in ENROLMENT_KINDS and not person.id_hash:
        # 民发〔2021〕57号 第九条: the application carries the applicant's identity document; an
        # unidentified person (e.g. a vagrant "无名氏") gets 临时救助 or a referral instead.
        raise ValidationError({"person_id": [
            f"{person.name}尚未登记身份证号，身份未核实，不能申请低保、特困供养；身份不明的流浪乞讨人员请办理临时救助或转介救助管理站 / "
            "dibao and extreme-poverty enrolment need an identified applicant (ID number registered); "
            "use temporary assistance or a station referral for an unidentified person"
        ]})
    needs = _needs_of(household, need_ids)
    case = ReliefCase.objects.create(
        kind=kind,
        path=path,
        household=household,
        person=person,
        community_id=household.community_id,
        grid_id=household.grid_id,
        reason=reason.strip(),
        amount_requested=amount,
        applied_by_community=bool(applied_by_community),
        staff_relative=bool(staff_relative),
        staff_relative_note=(staff_relative_note or "").strip()[:200],
        accepted_at=accepted_at,
        accepted_by_id=_user_id(actor),
        accepted_by_name=_name(actor),
    )
    workflow_for(kind, path).number(case, at=accepted_at)
    if needs:
        case.needs.set(needs)
    policy = _policy()
    if kind in ENROLMENT_KINDS:
        _clock(case, CLOCK_WHOLE, Duration(policy.whole_working_days, WORKING_DAYS), accepted_at, now, actor, "受理起 ")
    elif kind == CaseKind.STATION_REFERRAL or path == CasePath.EMERGENCY:
        _clock(case, CLOCK_HELP, Duration(policy.emergency_help_hours, HOURS), accepted_at, now, actor, "受理起 ")
    else:
        duration = Duration(policy.temporary_decide_working_days, WORKING_DAYS)
        _clock(case, CLOCK_DECIDE, duration, accepted_at, now, actor, "受理起 ")
    _event(case, "accepted", actor, accepted_at, case.reason[:200])
    audit_record(actor=actor, action="relief.accept", obj=case, after=model_snapshot(case) | {"needs": [n.pk for n in needs]})
    return case


def _needs_of(household: Household, need_ids) -> list:
    from core.inspections.models import Need

    ids = [int(i) for i in (need_ids or []) if str(i).strip()]
    if not ids:
        return []
    needs = list(Need.objects.filter(pk__in=ids, household=household))
    if len(needs) != len(set(ids)):
        raise ValidationError({"need_ids": ["需求不存在或不属于该户 / a need is unknown or of another household"]})
    if any(n.status in ("met", "cancelled") for n in needs):
        raise ValidationError({"need_ids": ["所选需求已解决或已撤销 / a need is already met or cancelled"]})
    return needs


# --- evidence --------------------------------------------------------------------------------------
@transaction.atomic
def case_add_evidence(
    *,
    case: ReliefCase,
    actor,
    kind: str,
    note: str,
    image: UploadedFile | None = None,
    at: dt.datetime | None = None,
) -> CaseEvidence:
    """Record one piece of the household economic investigation (or an application document) with an
    optional picture (an image whose bytes decode; stored under a generated name)."""
    ensure_can(actor, "relief.edit")
    case = _locked(case)
    _ensure_reach(actor, case)
    if case.status in (S.APPROVED, S.CLOSED, S.WITHDRAWN, S.REFUSED):
        raise ValidationError({"status": ["案件已办结，不能再补充调查材料 / the case is decided"]})
    if kind not in EvidenceKind.values:
        raise ValidationError({"kind": ["取证方式无效 / unknown evidence kind"]})
    note = _text(note, "note", "情况记录")
    if image is not None:
        image = check_image(image, "image")
    at = at or timezone.now()
    evidence = CaseEvidence.objects.create(
        case=case,
        kind=kind,
        note=note,
        image=image or "",
        at=at,
        recorded_by_id=_user_id(actor),
        recorded_by_name=_name(actor),
    )
    _event(case, "evidence", actor, at, f"{evidence.get_kind_display()}：{note[:200]}")
    audit_record(actor=actor, action="relief.evidence", obj=case, after=_snap(evidence))
    return evidence


# --- the steps ---------------------------------------------------------------------------------------
@transaction.atomic
def case_step(*, case: ReliefCase, actor, step: str, now: dt.datetime | None = None, **data) -> ReliefCase:
    """Take one step of the case's procedure. ``data`` per step:

    - help: ``note``, ``amount`` (yuan given at once, may be 0 for help in kind)
    - investigate: ``note`` (conclusion); enrolment needs recorded evidence, a staff relative's case
      a home investigation
    - review: ``note`` (the street's review opinion)
    - notice: ``starts_on`` (date, default today), ``ends_on`` (date, at least the district's minimum
      days later, counting both ends)
    - objection: ``note`` (the objection and how it is being checked)
    - to_district: ``note``, ``amount`` (proposed)
    - approve: ``note``; ``amount`` (grants) or ``monthly_amount`` (enrolment, payments start the
      month after confirmation); a street approval may not exceed the district's limit; every granted
      amount (help, to_district, approve, district_approve) stays under the district's ceiling for
      the kind, and one above the amount requested needs ``above_request_reason``
      (``_check_decided_amount``)
    - refuse: ``reason`` (written reasons); starts the 'relief_refusal' clock (written notice)
    - notify_refusal, deliver, close, withdraw: ``note``
    """
    workflow = workflow_for(case.kind, case.path)
    if step not in {s.name for s in workflow.steps}:
        known = step in STEP_NAMES
        raise ValidationError(
            {"step": [f"当前状态为「{status_label(case)}」，{case.get_kind_display()}案件没有「{step}」这一步 / "
                      f"{'this case type has no step' if known else 'unknown step'} {step!r}"]},
            code="illegal_transition",
        )
    now = now or timezone.now()
    # Lock the row, reload the case in place and re-check the step against its status now: a member
    # who pressed a step someone else already took gets StepConflict ("已被他人处理", HTTP 409).
    chosen = workflow.begin(case, step)
    _ensure_reach(actor, case)
    ensure_can(actor, chosen.action)
    workflow.ensure_separation(case, step, actor)
    before = model_snapshot(case)
    note = getattr(_Steps, step)(case, actor, now, data)
    case.status = chosen.target
    case.save()
    workflow.event(case, chosen.event, actor=actor, at=now, note=note[:2000])
    audit_record(
        actor=actor, action=f"relief.{step}", obj=case, before=before, after=model_snapshot(case), reason=note[:500]
    )
    _emit(case, step)
    if step in ("approve", "district_approve"):
        amount = case.monthly_amount if case.kind in ENROLMENT_KINDS else case.amount_approved
        publish(
            "case.approved",
            case,
            {
                "number": case.number,
                "kind": case.kind,
                "household_id": case.household_id,
                "community_id": case.community_id,
                "grid_id": case.grid_id,
                "url": f"/relief/cases/{case.pk}/",
            }
            | ({"amount": amount} if amount is not None else {}),
            actor=actor,
            at=now,
        )
    return case


def _emit(case: ReliefCase, step: str) -> None:
    """Tell the people who may take the next step (by role, within reach) that the case waits for them."""
    from core.notifications.services import notify
    from tenants.models import Membership
    from tenants.roles import STREET_ROLES, role_can

    office = current_office()
    next_steps = steps_possible(case)
    if office is None or not next_steps:
        return
    roles = [r for r in STREET_ROLES if any(role_can(r, step_action(case, s)) for s in next_steps)]
    people = Membership.objects.filter(street_office=office, is_active=True, role__in=roles)
    workflow = workflow_for(case.kind, case.path)
    waiting = [workflow.step(s) for s in next_steps]
    done_by: dict[int, set[str]] = {}
    for actor_id, event in case.events.exclude(actor_id=None).values_list("actor_id", "step"):
        done_by.setdefault(actor_id, set()).add(event)
    user_ids = []
    for m in people.order_by("id")[:200]:
        if m.role in (COMMUNITY_DIRECTOR, COMMUNITY_WORKER, VOLUNTEER) and m.community_id != case.community_id:
            continue
        if m.role in (GRID_WORKER, BUILDING_HEAD) and m.grid_id != case.grid_id:
            continue
        if all(step.not_by & done_by.get(m.user_id, set()) for step in waiting):
            continue  # separation of duties bars them from every step the case waits for
        user_ids.append(m.user_id)
    if user_ids:
        notify(
            user_ids=user_ids[:30],
            kind="relief.waiting",
            url=f"/relief/cases/{case.pk}/",
            title=f"救助案件待办理：{case.number} {case.get_kind_display()}（{status_label(case)}）",
            dedupe_key=f"relief:{case.pk}:{case.status}:{case.notice_round}",
        )


def help_reached(case: ReliefCase) -> bool:
    """Whether the help reached the family (the case's needs are then met): an enrolment confirmed,
    emergency help given, a grant or referral delivered."""
    if case.kind in ENROLMENT_KINDS:
        return case.status == S.APPROVED
    return bool(case.helped_at or case.delivered_at)


def _close_needs(case: ReliefCase, actor) -> None:
    from core.inspections.services import need_status_set

    for need in case.needs.exclude(status__in=("met", "cancelled")):
        need_status_set(actor=None, need=need, status="met", note=f"救助案件 {case.number} 已{status_label(case)}（{_name(actor)}）")


def _today(now: dt.datetime) -> dt.date:
    return now.astimezone(LOCAL_TZ).date()


def _date(value, field: str, default: dt.date | None = None) -> dt.date:
    if value in (None, ""):
        if default is None:
            raise ValidationError({field: ["请填写日期 / date is required"]})
        return default
    if isinstance(value, dt.datetime):
        return value.astimezone(LOCAL_TZ).date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: ["日期格式不正确 / invalid date"]}) from None


class _Steps:
    """One function per step: validate the step's data, set the case's fields, move its clocks.
    Returns the note for the case's history. Runs inside ``case_step``'s transaction."""

    @staticmethod
    def help(case, actor, now, data):
        note = _text(data.get("note"), "note", "先行救助情况")
        case.help_amount = parse_amount(data.get("amount", "0"), "amount")
        above = _check_decided_amount(case, case.help_amount, "amount", data)
        note = f"{note}{above}"
        case.helped_at, case.help_note = now, note
        clock_meet(subject=case, kind=CLOCK_HELP, at=now, actor=actor)
        policy = _policy()
        duration = Duration(policy.emergency_paperwork_working_days, WORKING_DAYS)
        _clock(case, CLOCK_PAPERWORK, duration, now, now, actor, "先行救助后补办手续 ")
        _close_needs(case, actor)
        return f"{note}（{case.help_amount} 元）"

    @staticmethod
    def investigate(case, actor, now, data):
        note = _text(data.get("note"), "note", "调查结论")
        evidence = set(case.evidence.values_list("kind", flat=True))
        if case.staff_relative and EvidenceKind.HOME_INVESTIGATION not in evidence:
            raise ValidationError(
                {"evidence": ["工作人员或村（居）干部近亲属的申请必须入户调查 / a staff relative's case needs a home investigation"]}
            )
        if case.kind in ENROLMENT_KINDS and not (evidence - {EvidenceKind.APPLICATION}):
            raise ValidationError(
                {"evidence": ["请先登记家庭经济状况调查取证（入户、邻里、信息核对或民主评议）/ record the investigation evidence first"]}
            )
        case.investigated_at, case.investigation_note = now, note
        return note

    @staticmethod
    def review(case, actor, now, data):
        note = _text(data.get("note"), "note", "街道审核意见")
        case.review_opinion, case.reviewed_by_id = note, _user_id(actor)
        return note

    @staticmethod
    def notice(case, actor, now, data):
        policy = _policy()
        starts = _date(data.get("starts_on"), "starts_on", _today(now))
        ends = _date(data.get("ends_on"), "ends_on", starts + dt.timedelta(days=policy.notice_min_days - 1))
        if starts < _today(now) - dt.timedelta(days=3):
            raise ValidationError({"starts_on": ["公示开始日期不能早于三天前 / the notice cannot start in the past"]})
        if (ends - starts).days + 1 < policy.notice_min_days:
            raise ValidationError(
                {"ends_on": [f"公示期不少于{policy.notice_min_days}天 / the notice lasts at least {policy.notice_min_days} days"]}
            )
        if (ends - starts).days > 60:
            raise ValidationError({"ends_on": ["公示期过长，请核对 / the notice is implausibly long"]})
        case.notice_round += 1
        case.notice_starts_on, case.notice_ends_on = starts, ends
        clock_cancel(subject=case, kind=CLOCK_CONFIRM, reason="重新公示", actor=actor)
        duration = Duration(policy.confirm_working_days, WORKING_DAYS)
        _clock(case, CLOCK_CONFIRM, duration, end_of_local_day(ends), now, actor, "公示结束后 ")
        round_text = "重新公示" if case.notice_round > 1 else "公示"
        return f"{round_text} {starts:%Y-%m-%d} 至 {ends:%Y-%m-%d}"

    @staticmethod
    def objection(case, actor, now, data):
        note = _text(data.get("note"), "note", "异议内容及核查安排")
        case.objection_note = (case.objection_note + "\n" if case.objection_note else "") + note
        clock_cancel(subject=case, kind=CLOCK_CONFIRM, reason="公示期间有异议，核查后重新公示", actor=actor)
        return note

    @staticmethod
    def to_district(case, actor, now, data):
        note = _text(data.get("note"), "note", "报区审批意见")
        amount = parse_amount(data.get("amount", case.amount_requested), "amount", allow_zero=False)
        limit = _policy().street_decision_limit
        if amount <= limit:
            raise ValidationError(
                {"amount": [f"金额未超过街道审批额度（{limit} 元），由街道审批 / within the street's limit, the street decides"]}
            )
        above = _check_decided_amount(case, amount, "amount", data)
        case.amount_approved = None
        case.amount_requested = max(case.amount_requested, amount)
        return f"{note}（拟救助 {amount} 元，超过街道额度 {limit} 元）{above}"

    @staticmethod
    def approve(case, actor, now, data):
        note = _text(data.get("note"), "note", "审批意见", required=False)
        at_district = case.status == S.DISTRICT_REVIEW
        if case.kind in ENROLMENT_KINDS:
            today = _today(now)
            if case.notice_ends_on is None or today <= case.notice_ends_on:
                raise ValidationError(
                    {"status": [f"公示期至 {case.notice_ends_on} 结束，期满后方可确认 / confirm only after the notice has ended"]}
                )
            monthly = parse_amount(data.get("monthly_amount"), "monthly_amount", allow_zero=False)
            _check_decided_amount(case, monthly, "monthly_amount", data)
            case.monthly_amount = monthly
            local = timezone.localtime(now, LOCAL_TZ).date()
            case.payment_start_month = (local.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            clock_meet(subject=case, kind=CLOCK_CONFIRM, at=now, actor=actor)
            clock_meet(subject=case, kind=CLOCK_WHOLE, at=now, actor=actor)
            text = f"确认纳入，月保障金 {monthly} 元，{case.payment_start_month:%Y年%m月}起发放"
            _close_needs(case, actor)
        else:
            raw = data.get("amount", case.amount_requested)
            amount = parse_amount(raw, "amount", allow_zero=case.kind == CaseKind.MATERIAL_AID)
            limit = _policy().street_decision_limit
            if not at_district and amount > limit:
                raise ValidationError(
                    {"amount": [f"超过街道审批额度（{limit} 元），请报区审批 / above the street's limit ({limit} yuan): send it to the district"]}
                )
            above = _check_decided_amount(case, amount, "amount", data)
            case.amount_approved = amount
            clock_meet(subject=case, kind=CLOCK_DECIDE, at=now, actor=actor)
            clock_meet(subject=case, kind=CLOCK_PAPERWORK, at=now, actor=actor)
            text = f"批准救助 {amount} 元{above}"
        case.decided_at, case.decided_by_id, case.decided_by_name = now, _user_id(actor), _name(actor)
        case.decision_level = "district" if at_district else "street"
        case.decision_note = note
        return f"{text}{'；' + note if note else ''}"

    @staticmethod
    def district_approve(case, actor, now, data):
        return _Steps.approve(case, actor, now, data)

    @staticmethod
    def district_refuse(case, actor, now, data):
        return _Steps.refuse(case, actor, now, data)

    @staticmethod
    def refuse(case, actor, now, data):
        reason = _text(data.get("reason") or data.get("note"), "reason", "不予批准的理由")
        case.refusal_reason = reason
        case.decided_at, case.decided_by_id, case.decided_by_name = now, _user_id(actor), _name(actor)
        case.decision_level = "district" if case.status == S.DISTRICT_REVIEW else "street"
        for kind in (CLOCK_CONFIRM, CLOCK_WHOLE, CLOCK_DECIDE, CLOCK_PAPERWORK):
            clock_meet(subject=case, kind=kind, at=now, actor=actor)
        policy = _policy()
        duration = Duration(policy.refusal_notice_working_days, WORKING_DAYS)
        _clock(case, CLOCK_REFUSAL, duration, now, now, actor, "作出决定后书面告知 ")
        return reason

    @staticmethod
    def notify_refusal(case, actor, now, data):
        note = _text(data.get("note"), "note", "书面告知情况（送达方式、签收人）")
        case.refusal_notified_at, case.closed_at = now, now
        clock_meet(subject=case, kind=CLOCK_REFUSAL, at=now, actor=actor)
        return note

    @staticmethod
    def deliver(case, actor, now, data):
        note = _text(data.get("note"), "note", "发放情况" if case.kind != CaseKind.STATION_REFERRAL else "送站情况")
        case.delivered_at, case.delivery_note = now, note
        clock_meet(subject=case, kind=CLOCK_HELP, at=now, actor=actor)
        _close_needs(case, actor)
        return note

    @staticmethod
    def close(case, actor, now, data):
        note = _text(data.get("note"), "note", "办结说明", required=False)
        case.closed_at = now
        return note

    @staticmethod
    def withdraw(case, actor, now, data):
        note = _text(data.get("note"), "note", "撤回原因")
        case.closed_at = now
        _cancel_open_clocks(case, f"申请撤回：{note}", actor)
        return note


@transaction.atomic
def case_extend(*, case: ReliefCase, actor, reason: str, now: dt.datetime | None = None) -> ReliefCase:
    """Extend an enrolment case's whole time limit from 25 to the district's 40 working days (once,
    with a recorded reason: 特殊情况, 第二十五条)."""
    ensure_can(actor, "relief.approve")
    case = _locked(case)
    _ensure_reach(actor, case)
    reason = _text(reason, "reason", "延长理由", limit=300)
    if case.kind not in ENROLMENT_KINDS:
        raise ValidationError({"kind": ["仅低保、特困供养审核确认可延长时限 / only enrolment cases can be extended"]})
    if case.extended:
        raise ValidationError({"extended": ["时限已延长过 / already extended"]})
    if case.status in (S.APPROVED, S.REFUSED, S.CLOSED, S.WITHDRAWN):
        raise ValidationError({"status": ["案件已作出决定 / the case is decided"]})
    before = model_snapshot(case)
    policy = _policy()
    # counted again from acceptance (the clock's start), still on the calendar: later calendar
    # changes keep re-timing it
    clock_retime(
        subject=case,
        kind=CLOCK_WHOLE,
        duration=Duration(policy.extended_working_days, WORKING_DAYS),
        calendar=_calendar(),
        rule=f"受理起 {policy.extended_working_days} 个工作日（已延长）",
        actor=actor,
        now=now,
    )
    case.extended, case.extension_reason = True, reason
    case.save(update_fields=["extended", "extension_reason", "updated_at"])
    _event(case, "extended", actor, now or timezone.now(), reason)
    audit_record(actor=actor, action="relief.extend", obj=case, before=before, after=model_snapshot(case), reason=reason)
    return case


@transaction.atomic
def case_link_needs(*, case: ReliefCase, actor, need_ids: list[int]) -> ReliefCase:
    """Say which needs of the household this case meets (they close when help reaches the family)."""
    ensure_can(actor, "relief.edit")
    case = _locked(case)
    _ensure_reach(actor, case)
    needs = _needs_of(case.household, need_ids)
    case.needs.add(*needs)
    _event(case, "need_linked", actor, timezone.now(), "、".join(str(n) for n in needs))
    audit_record(actor=actor, action="relief.link_needs", obj=case, after={"needs": [n.pk for n in needs]})
    if help_reached(case):
        _close_needs(case, actor)
    return case
