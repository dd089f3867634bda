"""Writes of inspections: a visit with its whole checklist, its needs and the problems its hazards raise.

``visit_record`` is one transaction: the visit, every checklist answer, every need (winter-needs
ledger), every hazard as a problem (problem ledger) with its responsible person and a deadline
clock (kind "problem"), and the audit events — or nothing at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.audit.services import audit_record, model_snapshot
from core.common import ensure_can
from core.deadlines.durations import DAYS, Duration, WorkCalendar, due_after
from core.deadlines.services import clock_cancel, clock_meet, clock_start
from core.events.services import publish, publish_many
from core.inspections.checklist import (
    CHECKLIST,
    CHECKLIST_BY_CODE,
    NEED_TYPE_CHOICES,
    RESULT_CHOICES,
    RESULT_HAZARD,
    URGENCY_CHOICES,
)
from core.inspections.models import Need, Problem, Visit, VisitItem, VisitPhoto
from core.org.scope import ensure_reach
from core.plausible import ensure_plausible
from core.registry.models import Household, Person
from core.uploads import clean_images

PROBLEM_CLOCK_KIND = "problem"
NEED_CLOCK_KIND = "need"
NEED_TRANSITIONS = {
    "open": {"in_progress", "met", "cancelled"},
    "in_progress": {"met", "cancelled", "open"},
    "met": {"in_progress"},
    "cancelled": {"open"},
}
PROBLEM_TRANSITIONS = {"open": {"resolved"}, "resolved": {"open"}}
CLOSED_NEED_STATUSES = ("met", "cancelled")
MAX_PHOTOS, MAX_PHOTO_BYTES = 6, 8 * 1024 * 1024
_RESULTS = {c for c, _ in RESULT_CHOICES}
_NEED_TYPES = {c for c, _ in NEED_TYPE_CHOICES}
_URGENCIES = {c for c, _ in URGENCY_CHOICES}


@dataclass(frozen=True)
class ProblemAssignment:
    responsible_user_id: int | None
    responsible_name: str


def _validate_items(items: list[dict], errors: dict[str, list[str]]) -> list[dict]:
    seen: dict[str, dict] = {}
    for index, raw in enumerate(items or []):
        code = (raw or {}).get("item")
        if code not in CHECKLIST_BY_CODE:
            errors.setdefault("items", []).append(
                f"第{index + 1}项：未知排查项 {code!r} / unknown checklist item"
            )
            continue
        if code in seen:
            errors.setdefault(f"items.{code}", []).append("排查项重复 / item answered twice")
            continue
        result = raw.get("result")
        note = (raw.get("note") or "").strip()
        if result not in _RESULTS:
            errors.setdefault(f"items.{code}", []).append(
                f"“{CHECKLIST_BY_CODE[code].label}”请选择：正常 / 存在问题 / 不适用 / choose ok, hazard or n/a"
            )
        elif result == RESULT_HAZARD and not note:
            errors.setdefault(f"items.{code}", []).append(
                f"“{CHECKLIST_BY_CODE[code].label}”存在问题，请说明情况 / describe the hazard"
            )
        if len(note) > 500:
            errors.setdefault(f"items.{code}", []).append("说明不超过500字 / note: at most 500 characters")
        seen[code] = {"item": code, "result": result, "note": note}
    missing = [item for item in CHECKLIST if item.code not in seen and f"items.{item.code}" not in errors]
    for item in missing:
        errors.setdefault(f"items.{item.code}", []).append(
            f"缺少排查项“{item.label}” / checklist item missing"
        )
    return [seen[item.code] for item in CHECKLIST if item.code in seen]


def _validate_needs(needs: list[dict], household: Household, errors: dict[str, list[str]]) -> list[dict]:
    clean = []
    # The household's persons are read only when a need names one (most visits name nobody).
    named = any((raw or {}).get("person_id") for raw in needs or [])
    person_ids = set(household.persons.values_list("pk", flat=True)) if named else set()
    for index, raw in enumerate(needs or []):
        raw = raw or {}
        key = f"needs.{index}"
        need_type, urgency = raw.get("need_type"), raw.get("urgency") or "normal"
        if need_type not in _NEED_TYPES:
            errors.setdefault(key, []).append(f"第{index + 1}条需求：请选择需求类型 / choose a need type")
        if urgency not in _URGENCIES:
            errors.setdefault(key, []).append(f"第{index + 1}条需求：紧急程度无效 / invalid urgency")
        try:
            quantity = int(raw.get("quantity"))
        except (TypeError, ValueError):
            quantity = None
        if quantity is None or quantity < 1 or quantity > 100000:
            errors.setdefault(key, []).append(
                f"第{index + 1}条需求：数量应为正整数 / quantity must be a positive whole number"
            )
        person_id = raw.get("person_id") or None
        if person_id is not None and int(person_id) not in person_ids:
            errors.setdefault(key, []).append(
                f"第{index + 1}条需求：人员不属于该户 / person is not in this household"
            )
        clean.append(
            {
                "need_type": need_type,
                "quantity": quantity,
                "urgency": urgency,
                "description": (raw.get("description") or "").strip()[:500],
                "person_id": int(person_id) if person_id else None,
            }
        )
    return clean


def _validate_photos(photos: list[UploadedFile], errors: dict[str, list[str]]) -> list:
    """The photos verified and re-encoded by the upload kit (core.uploads); errors under "photos"."""
    if len(photos) > MAX_PHOTOS:
        errors.setdefault("photos", []).append(f"照片最多{MAX_PHOTOS}张 / at most {MAX_PHOTOS} photos")
        return []
    try:
        return clean_images(photos, field="photos", max_bytes=MAX_PHOTO_BYTES)
    except ValidationError as exc:
        errors.setdefault("photos", []).extend(exc.message_dict["photos"])
        return []


@transaction.atomic
def visit_record(
    *,
    actor,
    household: Household,
    kind: str,
    items: list[dict],
    needs: list[dict] | None = None,
    notes: str = "",
    visited_at: dt.datetime | None = None,
    photos: list[UploadedFile] | None = None,
    problem_assignment: ProblemAssignment | None = None,
) -> Visit:
    """Record a home visit or phone follow-up with the whole checklist; atomic."""
    ensure_can(actor, "visit.create")
    ensure_reach(actor, community_id=household.community_id, grid_id=household.grid_id)
    errors: dict[str, list[str]] = {}
    if kind not in Visit.Kind.values:
        errors["kind"] = ["请选择走访方式：入户核查或电话随访 / kind: home or phone"]
    now = timezone.now()
    ensure_plausible(visited_at=visited_at, now=now)
    visited_at = visited_at or now
    if visited_at > now + dt.timedelta(minutes=10):
        errors["visited_at"] = ["走访时间不能晚于现在 / visit time is in the future"]
    clean_items = _validate_items(items, errors)
    clean_needs = _validate_needs(needs or [], household, errors)
    clean_photos = _validate_photos(photos or [], errors)
    if errors:
        raise ValidationError(errors)
    user = getattr(actor, "user", actor)
    visit = Visit.objects.create(
        household=household,
        kind=kind,
        visited_at=visited_at,
        visitor_user_id=getattr(user, "pk", None),
        visitor_name=user.display_name() if user else "system",
        notes=notes.strip(),
    )
    VisitItem.objects.bulk_create([VisitItem(visit=visit, **item) for item in clean_items])
    saved: list[VisitPhoto] = []
    try:
        for photo in clean_photos:
            saved.append(VisitPhoto.objects.create(visit=visit, image=photo))
        return _visit_ledgers(
            visit=visit, items=clean_items, needs=clean_needs, assignment=problem_assignment, actor=actor
        )
    except Exception:
        for stored in saved:  # the rows roll back with the transaction; the files must go too
            stored.image.delete(save=False)
        raise


def _visit_ledgers(
    *, visit: Visit, items: list[dict], needs: list[dict], assignment: ProblemAssignment | None, actor
) -> Visit:
    """The visit's needs, one problem per hazard, and the audit event (inside visit_record's transaction).

    The visit comes back with ``recorded_needs`` / ``recorded_problems``: the rows just made (so a
    caller reporting them needs no query).
    """
    household = visit.household
    assignment = assignment or ProblemAssignment(visit.visitor_user_id, visit.visitor_name)
    created_needs = [
        Need.objects.create(
            visit=visit,
            household=household,
            responsible_user_id=visit.visitor_user_id,
            responsible_name=visit.visitor_name[:50],
            **need,
        )
        for need in needs
    ]
    # A need is registered when it was found (a visit entered later, or through the API, keeps its time).
    Need.objects.filter(pk__in=[n.pk for n in created_needs]).update(created_at=visit.visited_at)
    for need in created_needs:
        need.created_at = visit.visited_at
        _need_clock_start(need, started_at=visit.visited_at, actor=actor)
    problems = [
        _problem_open(visit=visit, item=item["item"], note=item["note"], assignment=assignment, actor=actor)
        for item in items
        if item["result"] == RESULT_HAZARD
    ]
    audit_record(
        actor=actor,
        action="visit.record",
        obj=visit,
        after=model_snapshot(visit)
        | {
            "items": items,
            "needs": [n.pk for n in created_needs],
            "problems": [p.pk for p in problems],
        },
    )
    publish_many(
        [
            (
                "need.created",
                need,
                _place(household)
                | {"need_type": need.need_type, "urgency": need.urgency, "quantity": need.quantity, "url": _need_url(need)},
            )
            for need in created_needs
        ]
        + [
            (
                "visit.saved",
                visit,
                _place(household)
                | {
                    "visited_at": visit.visited_at,
                    "needs": [n.pk for n in created_needs],
                    "problems": [p.pk for p in problems],
                },
            )
        ],
        actor=actor,
        at=visit.visited_at,
    )
    visit.recorded_needs, visit.recorded_problems = created_needs, problems
    return visit


def _place(household: Household) -> dict:
    """The household keys every inspections event carries (core.events.types)."""
    return {"household_id": household.pk, "community_id": household.community_id, "grid_id": household.grid_id}


def _need_url(need: Need) -> str:
    return f"/needs/#need-{need.pk}"


def _problem_url(problem: Problem) -> str:
    return "/problems/"


def _need_clock_start(need: Need, *, started_at: dt.datetime, actor, now: dt.datetime | None = None):
    """A need's deadline: by its urgency, from the district's policy as tightened by the street."""
    from core.campaigns.models import NEED_SLA_KINDS
    from core.campaigns.services import calendar_for, sla_for_street
    from tenants.selectors import current_street_office

    office = current_street_office()
    duration = sla_for_street(office)[NEED_SLA_KINDS[need.urgency]]
    household = need.household
    return clock_start(
        subject=need,
        kind=NEED_CLOCK_KIND,
        duration=duration,
        calendar=calendar_for(office.district),
        started_at=started_at,
        now=now,
        responsible_user_id=need.responsible_user_id,
        community_id=household.community_id,
        grid_id=household.grid_id,
        title=f"{need.get_need_type_display()}×{need.quantity}：{household}",
        rule=f"{need.get_urgency_display()}需求 {duration.label}内办结",
        actor=actor,
    )


def _problem_open(*, visit: Visit, item: str, note: str, assignment: ProblemAssignment, actor) -> Problem:
    spec = CHECKLIST_BY_CODE[item]
    return problem_raise(
        household=visit.household,
        item=item,
        label=spec.label,
        description=note,
        assignment=assignment,
        fix_within=Duration(spec.fix_days, DAYS),
        started_at=visit.visited_at,
        visit=visit,
        actor=actor,
    )


def problem_raise(
    *,
    household: Household,
    item: str,
    label: str,
    description: str,
    assignment: ProblemAssignment,
    fix_within: Duration,
    started_at: dt.datetime,
    visit: Visit | None = None,
    actor=None,
) -> Problem:
    """Open a problem in the problem ledger with its 'problem' clock (a visit's hazard, or another
    ledger's finding such as a late relief payment). Problems are fixed within calendar days of
    ``started_at`` (holidays count): the clock engine's rule. Runs in the caller's transaction."""
    problem = Problem.objects.create(
        visit=visit,
        household=household,
        item=item,
        description=description[:500],
        responsible_user_id=assignment.responsible_user_id,
        responsible_name=assignment.responsible_name,
        due_at=due_after(started_at, fix_within, WorkCalendar()),
    )
    clock_start(
        subject=problem,
        kind=PROBLEM_CLOCK_KIND,
        due_at=problem.due_at,
        started_at=started_at,
        responsible_user_id=problem.responsible_user_id,
        community_id=household.community_id,
        grid_id=household.grid_id,
        title=f"{label}：{household}",
        rule=f"{fix_within.label}内整改",
        actor=actor,
    )
    audit_record(actor=actor, action="problem.open", obj=problem, after=model_snapshot(problem))
    publish(
        "problem.created",
        problem,
        _place(household) | {"item": problem.item, "url": _problem_url(problem)},
        actor=actor,
        at=started_at,
    )
    return problem


def problem_rectification(problem: Problem):
    """The rectification item this problem was turned into, or None (a reverse one-to-one)."""
    return getattr(problem, "rectification", None)


def _ensure_not_in_rectification(problem: Problem) -> None:
    item = problem_rectification(problem)
    if item is not None:
        raise ValidationError(
            {
                "status": [
                    f"该问题已转入整改台账（{item.number}），请在整改台账办理，验收通过后自动销号"
                    " / the problem is in the rectification ledger; it is resolved when that item is verified"
                ]
            }
        )


def problem_ensure_convertible(problem: Problem) -> None:
    """A problem may become a rectification item once, and only while it is open."""
    _ensure_not_in_rectification(problem)
    if problem.status != Problem.Status.OPEN:
        raise ValidationError(
            {"status": ["该问题已整改，无需转入整改台账 / the problem is already resolved"]}
        )


@transaction.atomic
def problem_hand_over(*, actor, problem: Problem, rectification) -> Problem:
    """The problem went to the rectification ledger: its own clock is cancelled (the item's clock takes
    over, so the same obligation is never counted twice in on-time rates)."""
    reason = f"转入整改台账 {rectification.number} / moved to the rectification ledger"
    clock_cancel(subject=problem, kind=PROBLEM_CLOCK_KIND, reason=reason, actor=actor)
    audit_record(
        actor=actor,
        action="problem.to_rectification",
        obj=problem,
        after={"rectification_id": rectification.pk, "rectification_number": rectification.number},
        reason=reason,
    )
    return problem


@transaction.atomic
def problem_follow_rectification(
    *, actor, problem: Problem, resolved: bool, reason: str, at: dt.datetime | None = None
) -> Problem:
    """The problem's status follows its rectification item: resolved when the fix is verified, open
    again when the look-back finds a relapse. Its clock was handed over, so no clock changes here."""
    ensure_can(actor, "rectification.verify")
    target = Problem.Status.RESOLVED if resolved else Problem.Status.OPEN
    if problem.status == target:
        return problem
    if target not in PROBLEM_TRANSITIONS[problem.status]:
        raise ValidationError({"status": ["问题状态不能这样变更 / transition not allowed"]})
    before = model_snapshot(problem)
    problem.status = target
    problem.resolved_at = (at or timezone.now()) if resolved else None
    problem.save(update_fields=["status", "resolved_at", "updated_at"])
    audit_record(
        actor=actor,
        action="problem.resolve" if resolved else "problem.reopen",
        obj=problem,
        before=before,
        after=model_snapshot(problem),
        reason=reason,
    )
    if resolved:
        _problem_fixed(problem, actor)
    return problem


def _problem_fixed(problem: Problem, actor) -> None:
    publish(
        "problem.fixed",
        problem,
        _place(problem.household) | {"item": problem.item, "url": _problem_url(problem)},
        actor=actor,
        at=problem.resolved_at,
    )


@transaction.atomic
def problem_resolve(*, actor, problem: Problem, note: str) -> Problem:
    ensure_can(actor, "problem.edit")
    ensure_reach(actor, community_id=problem.household.community_id, grid_id=problem.household.grid_id)
    _ensure_not_in_rectification(problem)
    if "resolved" not in PROBLEM_TRANSITIONS[problem.status]:
        raise ValidationError({"status": ["该问题已整改 / already resolved"]})
    if not note.strip():
        raise ValidationError({"note": ["请说明整改情况 / describe how it was fixed"]})
    before = model_snapshot(problem)
    problem.status, problem.resolved_at = Problem.Status.RESOLVED, timezone.now()
    problem.save(update_fields=["status", "resolved_at", "updated_at"])
    clock_meet(subject=problem, kind=PROBLEM_CLOCK_KIND, at=problem.resolved_at, actor=actor)
    audit_record(
        actor=actor,
        action="problem.resolve",
        obj=problem,
        before=before,
        after=model_snapshot(problem),
        reason=note.strip(),
    )
    _problem_fixed(problem, actor)
    return problem


@transaction.atomic
def problem_assign(
    *, actor, problem: Problem, responsible_user_id: int | None, responsible_name: str, due_at: dt.datetime
) -> Problem:
    """Hand a problem to a responsible person and/or move its deadline; the clock restarts (new round)."""
    ensure_can(actor, "problem.edit")
    ensure_reach(actor, community_id=problem.household.community_id, grid_id=problem.household.grid_id)
    _ensure_not_in_rectification(problem)
    errors: dict[str, list[str]] = {}
    if problem.status != Problem.Status.OPEN:
        errors["status"] = ["已整改的问题不能再指派 / the problem is already resolved"]
    if responsible_user_id is not None:
        from core.org.selectors import street_members

        membership = street_members().filter(user_id=responsible_user_id).first()
        if membership is None:
            errors["responsible_user_id"] = ["责任人须为本街道人员 / must be a member of this street office"]
        else:
            responsible_name = responsible_name.strip() or membership.user.display_name()
    if not responsible_name.strip():
        errors["responsible_name"] = ["请填写责任人 / a responsible person is required"]
    if due_at <= timezone.now():
        errors["due_at"] = ["整改时限须晚于现在 / the deadline must be in the future"]
    else:
        try:
            ensure_plausible(due_at=due_at)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    before = model_snapshot(problem)
    problem.responsible_user_id, problem.responsible_name, problem.due_at = (
        responsible_user_id,
        responsible_name.strip(),
        due_at,
    )
    problem.save(update_fields=["responsible_user_id", "responsible_name", "due_at", "updated_at"])
    clock_cancel(subject=problem, kind=PROBLEM_CLOCK_KIND, reason="重新指派 / reassigned", actor=actor)
    household = problem.household
    clock_start(
        subject=problem,
        kind=PROBLEM_CLOCK_KIND,
        due_at=due_at,
        responsible_user_id=responsible_user_id,
        community_id=household.community_id,
        grid_id=household.grid_id,
        title=f"{problem.get_item_display()}：{household}",
        rule="重新指派",
        actor=actor,
    )
    audit_record(
        actor=actor, action="problem.assign", obj=problem, before=before, after=model_snapshot(problem)
    )
    return problem


@transaction.atomic
def need_status_set(*, actor, need: Need, status: str, note: str = "") -> Need:
    ensure_can(actor, "need.edit")
    ensure_reach(actor, community_id=need.household.community_id, grid_id=need.household.grid_id)
    if status not in NEED_TRANSITIONS.get(need.status, set()):
        raise ValidationError(
            {"status": [f"不能从“{need.get_status_display()}”改为该状态 / transition not allowed"]}
        )
    if status == Need.Status.CANCELLED and not note.strip():
        # Cancelling drops a household's need from every follow-up: never without a stated reason.
        raise ValidationError({"note": ["撤销需求须说明原因 / a reason is required to cancel a need"]})
    before = model_snapshot(need)
    was_closed = need.status in CLOSED_NEED_STATUSES
    need.status = status
    need.save(update_fields=["status", "updated_at"])
    # the need's clock follows: met when met, cancelled when cancelled, a new round when reopened
    now = timezone.now()
    if status == Need.Status.MET:
        clock_meet(subject=need, kind=NEED_CLOCK_KIND, at=now, actor=actor)
    elif status == Need.Status.CANCELLED:
        clock_cancel(
            subject=need, kind=NEED_CLOCK_KIND, reason=note or "需求已撤销 / need cancelled", actor=actor
        )
    elif was_closed:
        _need_clock_start(need, started_at=now, now=now, actor=actor)
    audit_record(
        actor=actor, action="need.status", obj=need, before=before, after=model_snapshot(need), reason=note
    )
    if status == Need.Status.MET:
        publish(
            "need.met",
            need,
            _place(need.household) | {"need_type": need.need_type, "url": _need_url(need)},
            actor=actor,
            at=now,
        )
    return need


def person_in_household(household: Household, person_id: int | None) -> Person | None:
    return household.persons.filter(pk=person_id).first() if person_id else None


@transaction.atomic
def need_reassign(
    *, actor, need: Need, responsible_user_id: int, note: str = "", now: dt.datetime | None = None
) -> Need:
    """Hand an open need to another responsible person — a grid worker, a community's worker or
    director, or street staff — who can reach the need's household. Its clock moves with it
    (``clock_reassign``: same deadline, new responsible person); audited ``need.reassign``; the new
    person is told (event ``need.assigned``). An open need without a clock (recorded before needs
    had clocks) gets one here, started when the need was recorded.

    Raises PermissionDenied (no ``need.edit``, or the household outside ``actor``'s reach) and
    ValidationError (a met or cancelled need; a person not in this street office, without reach to
    the household, or already responsible).
    """
    from core.deadlines.services import clock_open, clock_reassign
    from core.events.services import publish
    from core.inspections.selectors import need_may_be_responsible
    from tenants.members import member_for
    from tenants.models import User
    from tenants.selectors import current_street_office

    ensure_can(actor, "need.edit")
    household = need.household
    ensure_reach(actor, community_id=household.community_id, grid_id=household.grid_id)
    need = Need.objects.select_for_update().get(pk=need.pk)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if need.status in CLOSED_NEED_STATUSES:
        errors["status"] = [
            f"需求状态为“{need.get_status_display()}”，不能转派 / a {need.status} need cannot be reassigned"
        ]
    user = User.objects.filter(pk=responsible_user_id).first()
    member = member_for(user, current_street_office()) if user is not None else None
    if member is None or member.is_district or member.read_only:
        errors["responsible_user_id"] = ["责任人须为本街道人员 / must be a member of this street office"]
    elif not need_may_be_responsible(member, household):
        errors["responsible_user_id"] = [
            f"{user.display_name()}管不到该户（{household.community}），请选择该户所在社区或网格的人员 "
            "/ the person cannot reach this household or handle needs"
        ]
    elif responsible_user_id == need.responsible_user_id:
        errors["responsible_user_id"] = ["已是该需求的责任人 / already responsible"]
    if errors:
        raise ValidationError(errors)
    before = model_snapshot(need)
    need.responsible_user_id, need.responsible_name = user.pk, user.display_name()[:50]
    need.save(update_fields=["responsible_user_id", "responsible_name", "updated_at"])
    if clock_open(subject=need, kind=NEED_CLOCK_KIND) is None:
        _need_clock_start(need, started_at=need.created_at, now=now, actor=actor)
    else:
        clock_reassign(subject=need, user_id=user.pk, actor=actor)
    audit_record(
        actor=actor,
        action="need.reassign",
        obj=need,
        before=before,
        after=model_snapshot(need),
        reason=(note or "").strip()[:500],
    )
    publish(
        "need.assigned",
        need,
        {
            "household_id": household.pk,
            "category": need.need_type,
            "category_label": need.get_need_type_display(),
            "responsible_user_id": user.pk,
            "household": str(household),
            "note": (note or "").strip()[:200],
            "assigned_at": now,
            "url": f"/needs/#need-{need.pk}",
            "community_id": household.community_id,
            "grid_id": household.grid_id,
        },
        actor=actor,
        at=now,
    )
    return need


def need_clocks_backfill(*, now: dt.datetime | None = None) -> list[int]:
    """Give every open or in-progress need of the current street office that has no open clock the
    clock it would have had: started when the need was recorded, by its urgency under today's policy
    and calendar (``_need_clock_start``; audited ``clock.start`` with no actor). Idempotent: a second
    run finds nothing. For needs recorded before needs had clocks (``nuandong need_clocks backfill``).
    Returns the ids of the needs that got a clock.
    """
    from core.deadlines.selectors import clock_subject_ids

    with_clock = clock_subject_ids(subject_type=Need._meta.label_lower, kind=NEED_CLOCK_KIND)
    done = []
    needs = Need.objects.filter(status__in=[Need.Status.OPEN, Need.Status.IN_PROGRESS]).exclude(pk__in=with_clock)
    for need in needs.select_related("household").order_by("pk"):
        with transaction.atomic():
            _need_clock_start(need, started_at=need.created_at, now=now or timezone.now(), actor=None)
        done.append(need.pk)
    return done
