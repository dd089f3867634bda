"""Writes of the rectification ledger: create, add evidence, fix, verify (or reject), look back."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit.services import audit_record, model_snapshot
from core.common import ensure_can
from core.deadlines.durations import ByDate
from core.deadlines.services import clock_meet, clock_start
from core.events.services import publish
from core.org.models import Community, Grid
from core.org.scope import ensure_reach
from core.plausible import ensure_plausible
from core.rectification.models import (
    Rectification,
    RectificationEvidence,
    RectificationSource,
    RectificationStatus,
)
from core.rectification.workflow import RECTIFICATION_WORKFLOW
from core.uploads import clean_image
from core.workflow import actor_name
from tenants.members import Member
from tenants.models import Membership
from tenants.selectors import current_street_office

R = RectificationStatus
W = RECTIFICATION_WORKFLOW
MAX_PHOTO_BYTES = 8 * 1024 * 1024


def _user(actor):
    return getattr(actor, "user", None)


def _begin(item: Rectification, actor, name: str, *, rule=None):
    """The row lock and re-check (StepConflict when someone was faster), the step's own ``rule``, then
    permission and reach (services are the backstop behind the pages' and the API's checks)."""
    step = W.begin(item, name)
    if rule is not None:
        rule(item)
    ensure_can(actor, step.action)
    ensure_reach(actor, community_id=item.community_id, grid_id=item.grid_id)
    return step


def _not_the_fixer(actor):
    def rule(item: Rectification) -> None:
        if getattr(_user(actor), "pk", None) == item.fixed_by_id:
            raise ValidationError(
                {"actor": ["验收人不能是整改人本人 / the person who fixed it may not verify it"]}
            )

    return rule


def _event(item: Rectification, step: str, actor, at: dt.datetime, note: str = "") -> None:
    W.event(item, step, actor=actor, at=at, note=note)


def _policy():
    from core.campaigns.services import calendar_for, campaign_ensure

    office = current_street_office()
    return campaign_ensure(office.district), calendar_for(office.district)


def _start_rectify_clock(
    item: Rectification,
    *,
    started_at: dt.datetime,
    due_at: dt.datetime | None,
    actor,
    now,
    label: str = "整改",
    by_date: ByDate | None = None,
):
    """The item's rectify clock: a date ("by the 10th", re-timed with the calendar), a given moment
    (a problem's own deadline), else the campaign's rectification time."""
    campaign, calendar = _policy()
    if by_date is not None:
        timing = {"by_date": by_date, "calendar": calendar}
    elif due_at is not None:
        timing = {"due_at": due_at, "rule": f"{timezone.localtime(due_at):%m月%d日}前"}
    else:
        timing = {"duration": campaign.duration("rectify"), "calendar": calendar}
    clock_start(
        subject=item,
        kind="rectify",
        started_at=started_at,
        now=now,
        responsible_user_id=item.responsible_user_id,
        community_id=item.community_id,
        grid_id=item.grid_id,
        title=f"{label} {item.number} {item.title}",
        actor=actor,
        **timing,
    )


def _household_errors(actor, household_id: int, community: Community) -> dict[str, list[str]]:
    """A linked household must exist, be in the item's community and inside the actor's reach."""
    from core.org.scope import member_reaches
    from core.registry.models import Household

    household = Household.objects.filter(pk=household_id).first()
    if household is None or (
        hasattr(actor, "scope")
        and not member_reaches(actor, community_id=household.community_id, grid_id=household.grid_id)
    ):
        return {"household_id": ["户不存在或不在您的管辖范围 / unknown household or outside your reach"]}
    if household.community_id != community.pk:
        return {"household_id": ["该户不属于所选社区 / the household is not in this community"]}
    return {}


@transaction.atomic
def rectification_create(
    *,
    actor: Member | None,
    source_type: str,
    title: str,
    community: Community,
    responsible_user_id: int,
    description: str = "",
    source_id: int | None = None,
    source_note: str = "",
    grid: Grid | None = None,
    household_id: int | None = None,
    due_on: dt.date | None = None,
    lookback_days: int | None = None,
    now: dt.datetime | None = None,
    problem=None,
    request=None,
    due_at: dt.datetime | None = None,
) -> Rectification:
    """Open a rectification item with a responsible person and a deadline clock.

    ``due_on`` is a date ("by the 10th", moved to a working day); without it the campaign's default
    rectification time applies. The look-back interval defaults to the campaign's.
    Items from the problem ledger come only through ``rectification_from_problem`` (which passes
    ``problem`` and the problem's exact ``due_at``), so the problem's own clock is handed over; items
    from a request only through ``rectification_from_request`` (which passes ``request``), once.
    Raises ``PermissionDenied`` for an actor without ``rectification.edit`` or outside the place.
    """
    ensure_can(actor, "rectification.edit")
    now = now or timezone.now()
    ensure_plausible(due_on=due_on, now=now)
    campaign, calendar = _policy()
    errors: dict[str, list[str]] = {}
    if source_type not in RectificationSource.values:
        errors["source_type"] = ["来源无效 / unknown source"]
    if source_type == RectificationSource.PROBLEM and problem is None:
        errors["source_type"] = [
            "问题台账中的问题请在问题台账点“转入整改台账” / convert problems from the problem ledger"
        ]
    if source_type == RectificationSource.REQUEST and (request is None or request.pk != source_id):
        errors["source_type"] = [
            "群众诉求请在诉求页点“转入整改台账” / convert requests from the request page"
        ]
    if source_type == RectificationSource.UPSTREAM and not (source_note or "").strip():
        errors["source_note"] = ["请注明上级反馈的文号或内容 / describe the upstream feedback"]
    if not (title or "").strip():
        errors["title"] = ["请填写问题 / title is required"]
    if grid is not None and grid.community_id != community.pk:
        errors["grid"] = ["网格不属于所选社区 / the grid is not in this community"]
    if household_id is not None:
        errors.update(_household_errors(actor, household_id, community))
    office = current_street_office()
    responsible = Membership.objects.filter(
        street_office=office, user_id=responsible_user_id, is_active=True
    ).first()
    if responsible is None:
        errors["responsible_user_id"] = [
            "责任人不是本街道人员 / the responsible person is not in this street office"
        ]
    by_date = ByDate(due_on) if due_at is None and due_on else None
    if by_date is not None:
        due_at = by_date.due_at(calendar)
    if due_at is not None and due_at <= now:
        errors["due_on"] = ["整改时限不能早于今天 / the deadline is in the past"]
    if lookback_days is not None and not 1 <= lookback_days <= 365:
        errors["lookback_days"] = ["回头看间隔为1至365天 / 1 to 365 days"]
    if errors:
        raise ValidationError(errors)
    ensure_reach(actor, community_id=community.pk, grid_id=grid.pk if grid else None)
    item = Rectification.objects.create(
        source_type=source_type,
        source_id=source_id,
        source_note=(source_note or "").strip()[:300],
        problem=problem,
        title=title.strip()[:200],
        description=(description or "").strip(),
        community=community,
        grid=grid,
        household_id=household_id,
        responsible_user_id=responsible_user_id,
        responsible_name=responsible.user.display_name(),
        lookback_days=lookback_days or campaign.lookback_days,
        created_at=now,
        created_by_id=getattr(_user(actor), "pk", None),
        created_by_name=actor_name(actor),
    )
    W.number(item, at=now)
    _start_rectify_clock(item, started_at=now, due_at=due_at, by_date=by_date, actor=actor, now=now)
    _event(item, "created", actor, now, item.title)
    audit_record(actor=actor, action="rectification.create", obj=item, after=model_snapshot(item))
    publish(
        "rectification.created",
        item,
        _payload(item, source_type=item.source_type, community_id=item.community_id, grid_id=item.grid_id),
        actor=actor,
        at=now,
    )
    return item


def _payload(item: Rectification, **more) -> dict:
    """The payload keys every rectification event carries (core.events.types), plus ``more``."""
    return {
        "number": item.number,
        "title": item.title,
        "responsible_user_id": item.responsible_user_id,
        "round": item.round,
        "url": W.url(item),
    } | more


@transaction.atomic
def rectification_from_request(
    *,
    request,
    actor: Member,
    responsible_user_id: int | None = None,
    due_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Rectification:
    """A request that revealed a hazard becomes a rectification item linked to it — once, and only here.

    The request's row is locked first, so two simultaneous conversions make one item (the second is
    refused with the first item's number); a unique constraint backs this up.
    """
    from core.requests.models import CitizenRequest

    ensure_can(actor, "rectification.edit")
    request = CitizenRequest.objects.select_for_update().get(pk=request.pk)
    ensure_reach(actor, community_id=request.community_id, grid_id=request.grid_id)
    existing = Rectification.objects.filter(
        source_type=RectificationSource.REQUEST, source_id=request.pk
    ).first()
    if existing is not None:
        raise ValidationError(
            {
                "source_id": [
                    f"该诉求已转入整改台账（{existing.number}） / already in the rectification ledger"
                ]
            }
        )
    return rectification_create(
        actor=actor,
        source_type=RectificationSource.REQUEST,
        source_id=request.pk,
        source_note=f"诉求 {request.number}",
        title=f"{request.get_category_display()}：{request.description[:80]}",
        description=request.description,
        community=request.community,
        grid=request.grid,
        household_id=request.household_id,
        responsible_user_id=responsible_user_id or request.assignee_user_id,
        due_on=due_on,
        now=now,
        request=request,
    )


@transaction.atomic
def rectification_from_problem(
    *,
    problem,
    actor: Member | None,
    responsible_user_id: int | None = None,
    due_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Rectification:
    """A problem-ledger entry (a hazard found on a visit) becomes a rectification item, once.

    Place from the problem's household; title from the checklist item and the description;
    responsible person from the problem unless given; deadline: ``due_on`` if given, else the
    problem's own deadline while it is still ahead, else the campaign default. The problem's clock
    is cancelled (handed over) so the obligation is counted once, by the item's clock; when the item
    passes verification the problem is resolved (see ``rectification_verify``).
    """
    from core.common import ensure_can
    from core.inspections.models import Problem
    from core.inspections.services import problem_ensure_convertible, problem_hand_over
    from core.org.scope import member_reaches

    now = now or timezone.now()
    ensure_can(actor, "rectification.edit")
    problem = (
        Problem.objects.select_for_update()
        .select_related("household__community", "household__grid")
        .get(pk=problem.pk)
    )
    household = problem.household
    if hasattr(actor, "scope") and not member_reaches(
        actor, community_id=household.community_id, grid_id=household.grid_id
    ):
        raise PermissionDenied("该问题不在您的管辖范围 / outside your reach")
    problem_ensure_convertible(problem)
    responsible = responsible_user_id or problem.responsible_user_id
    if not responsible:
        raise ValidationError(
            {"responsible_user_id": ["该问题没有本街道的责任人，请指定责任人 / choose a responsible person"]}
        )
    due_at = problem.due_at if due_on is None and problem.due_at > now else None
    item = rectification_create(
        actor=actor,
        source_type=RectificationSource.PROBLEM,
        source_id=problem.pk,
        source_note=f"问题台账 #{problem.pk}（{household}）",
        title=f"{problem.get_item_display()}：{problem.description}"[:200],
        description=problem.description,
        community=household.community,
        grid=household.grid,
        household_id=household.pk,
        responsible_user_id=responsible,
        due_on=due_on,
        due_at=due_at,
        now=now,
        problem=problem,
    )
    problem_hand_over(actor=actor, problem=problem, rectification=item)
    return item


def _problem_follows(item: Rectification, actor, *, resolved: bool, note: str, at: dt.datetime) -> None:
    """The source problem (if any) is resolved / reopened with its item, through the inspections service."""
    if item.problem_id is None:
        return
    from core.inspections.services import problem_follow_rectification

    verb = "整改验收通过" if resolved else "回头看发现反弹"
    problem_follow_rectification(
        actor=actor, problem=item.problem, resolved=resolved, reason=f"{verb}（{item.number}）：{note}", at=at
    )


@transaction.atomic
def rectification_add_evidence(
    *, item: Rectification, actor: Member, text: str = "", photo=None, now: dt.datetime | None = None
) -> RectificationEvidence:
    now = now or timezone.now()
    ensure_can(actor, "rectification.edit")
    W.lock(item)
    ensure_reach(actor, community_id=item.community_id, grid_id=item.grid_id)
    if item.status == R.CONFIRMED:
        raise ValidationError({"status": ["已回头看通过的整改不能再补充佐证 / the item is closed"]})
    text = (text or "").strip()
    if not text and photo is None:
        raise ValidationError({"text": ["请填写说明或上传照片 / add a text or a photo"]})
    if photo is not None:
        photo = clean_image(photo, field="photo", max_bytes=MAX_PHOTO_BYTES)
    evidence = RectificationEvidence.objects.create(
        rectification=item,
        round=item.round,
        kind="photo" if photo is not None else "text",
        text=text,
        photo=photo or "",
        added_by_id=getattr(_user(actor), "pk", None),
        added_by_name=actor_name(actor),
        added_at=now,
    )
    _event(item, "evidence", actor, now, text[:200] or "照片")
    audit_record(
        actor=actor,
        action="rectification.evidence",
        obj=item,
        after={"evidence_id": evidence.pk, "kind": evidence.kind, "text": text[:500]},
    )
    return evidence


@transaction.atomic
def rectification_fix(*, item: Rectification, actor: Member, note: str, now: dt.datetime | None = None):
    """The responsible side reports the problem fixed (with evidence); meets the rectify clock."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ["请填写整改情况 / describe what was done"]})
    step = _begin(item, actor, "fix")
    if not item.evidence.filter(round=item.round).exists():
        raise ValidationError(
            {"evidence": ["请先上传整改佐证（文字或照片） / add evidence before reporting it fixed"]}
        )
    before = model_snapshot(item)
    item.status, item.fixed_at, item.fix_note = step.target, now, note
    item.fixed_by_id, item.fixed_by_name = getattr(_user(actor), "pk", None), actor_name(actor)
    item.save()
    clock_meet(subject=item, kind="rectify", at=now, actor=actor)
    _event(item, step.event, actor, now, note)
    audit_record(actor=actor, action="rectification.fix", obj=item, before=before, after=model_snapshot(item))
    return item


@transaction.atomic
def rectification_verify(
    *, item: Rectification, actor: Member, passed: bool, note: str, now: dt.datetime | None = None
):
    """Someone other than the fixer checks the fix. Passed: the look-back clock starts. Failed: fix again."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ["请填写验收意见 / write the verification note"]})
    step = _begin(item, actor, "verify_pass" if passed else "verify_fail", rule=_not_the_fixer(actor))
    before = model_snapshot(item)
    if passed:
        item.status, item.verified_at, item.verify_note = R.VERIFIED, now, note
        item.verified_by_id, item.verified_by_name = getattr(_user(actor), "pk", None), actor_name(actor)
        item.save()
        _, calendar = _policy()
        lookback_on = timezone.localtime(now).date() + dt.timedelta(days=item.lookback_days)
        clock_start(
            subject=item,
            kind="lookback",
            started_at=now,
            now=now,
            by_date=ByDate(lookback_on),
            calendar=calendar,
            responsible_user_id=item.verified_by_id,
            community_id=item.community_id,
            grid_id=item.grid_id,
            title=f"回头看 {item.number} {item.title}",
            rule=f"验收后 {item.lookback_days} 天",
            actor=actor,
        )
        _event(item, step.event, actor, now, note)
        _problem_follows(item, actor, resolved=True, note=note, at=now)
    else:
        item.status, item.round = R.OPEN, item.round + 1
        item.fixed_at, item.fixed_by_id, item.fixed_by_name, item.fix_note = None, None, "", ""
        item.save()
        _restart_rectify(item, actor, now)
        _event(item, step.event, actor, now, note)
    audit_record(
        actor=actor,
        action="rectification.verify",
        obj=item,
        before=before,
        after=model_snapshot(item),
        reason=note,
    )
    return item


def _restart_rectify(item: Rectification, actor, now: dt.datetime) -> None:
    from core.deadlines.services import clock_first

    first = clock_first(subject=item, kind="rectify")
    keep = first.due_at if first is not None and first.due_at > now else None
    by_date = ByDate(first.due_on, first.due_lead_working_days) if keep and first.due_on else None
    _start_rectify_clock(
        item, started_at=now, due_at=None if by_date else keep, by_date=by_date, actor=actor, now=now
    )
    publish("rectification.reopened", item, _payload(item), actor=actor, at=now)


@transaction.atomic
def rectification_lookback(
    *, item: Rectification, actor: Member, passed: bool, note: str, now: dt.datetime | None = None
):
    """The look-back re-check (回头看). Failed: a relapse — reopened, counted against the street."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ["请填写回头看情况 / describe the re-check"]})
    step = _begin(item, actor, "lookback_pass" if passed else "lookback_fail")
    before = model_snapshot(item)
    item.lookback_at, item.lookback_by_name, item.lookback_note = now, actor_name(actor), note
    clock_meet(subject=item, kind="lookback", at=now, actor=actor)
    if passed:
        item.status = R.CONFIRMED
        item.save()
        _event(item, step.event, actor, now, note)
        publish(
            "rectification.closed",
            item,
            {"number": item.number, "title": item.title, "url": W.url(item)},
            actor=actor,
            at=now,
        )
    else:
        item.status, item.round, item.relapse_count = R.OPEN, item.round + 1, item.relapse_count + 1
        item.fixed_at, item.fixed_by_id, item.fixed_by_name, item.fix_note = None, None, "", ""
        item.verified_at, item.verified_by_id, item.verified_by_name, item.verify_note = None, None, "", ""
        item.save()
        _start_rectify_clock(item, started_at=now, due_at=None, actor=actor, now=now, label="整改（反弹）")
        publish(
            "rectification.relapsed", item, _payload(item, relapse_count=item.relapse_count), actor=actor, at=now
        )
        _event(item, step.event, actor, now, note)
        _problem_follows(item, actor, resolved=False, note=note, at=now)
    audit_record(
        actor=actor,
        action="rectification.lookback",
        obj=item,
        before=before,
        after=model_snapshot(item),
        reason=note,
    )
    return item
