"""Writes of requests: receive, respond, handle, feed back, close, reopen, assign."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit.services import audit_record, model_snapshot
from core.common import ensure_can
from core.deadlines.services import clock_meet, clock_start
from core.events.services import publish
from core.org.models import Community, Grid
from core.org.scope import ensure_reach, member_reaches
from core.plausible import ensure_plausible
from core.registry.models import Household
from core.requests.models import (
    CitizenRequest,
    RequestCategory,
    RequestChannel,
    RequestStatus,
    Satisfaction,
)
from core.requests.workflow import REQUEST_WORKFLOW
from core.workflow import actor_name
from tenants.members import Member
from tenants.models import Membership, User
from tenants.roles import COMMUNITY_DIRECTOR, GRID_WORKER
from tenants.selectors import current_street_office

S = RequestStatus
W = REQUEST_WORKFLOW
STATUS_LABELS = dict(S.choices) | {S.RESPONDED: "已响应（重新办理）"}
CLOCK_KINDS = ("respond", "handle", "feedback")


def _required(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [f"请填写{label} / {field} is required"]})
    return value


def default_assignee(*, actor: Member | None, community: Community, grid: Grid | None) -> int | None:
    """Who handles a new request: the grid worker who took it, else the grid's worker, else the director."""
    if actor is not None and actor.role == GRID_WORKER and grid is not None and actor.grid_id == grid.pk:
        return actor.user.pk
    office = current_street_office()
    people = Membership.objects.filter(street_office=office, is_active=True)
    if grid is not None:
        worker = (
            people.filter(role=GRID_WORKER, grid_id=grid.pk)
            .order_by("id")
            .values_list("user_id", flat=True)
        )
        if worker.first():
            return worker.first()
    director = people.filter(role=COMMUNITY_DIRECTOR, community_id=community.pk).order_by("id")
    found = director.values_list("user_id", flat=True).first()
    if found:
        return found
    return actor.user.pk if actor is not None else None


def request_household(*, actor: Member | None, household_id: int | None, errors: dict) -> Household | None:
    """The household a request is linked to: it must exist in this street, be active and lie in reach.

    Problems are added to ``errors`` under ``household_id`` (the request is then refused as a whole).
    """
    if household_id in (None, ""):
        return None
    household = Household.objects.select_related("community", "grid").filter(pk=household_id).first()
    if household is None:
        errors["household_id"] = ["关联户不存在 / unknown household"]
    elif not household.is_active:
        errors["household_id"] = ["关联户已注销 / the household is deregistered"]
    elif hasattr(actor, "scope") and not member_reaches(
        actor, community_id=household.community_id, grid_id=household.grid_id
    ):
        errors["household_id"] = ["关联户不在您的负责范围 / the household is outside your reach"]
    else:
        return household
    return None


def _start_clocks(
    request: CitizenRequest, kinds: tuple[str, ...], started_at: dt.datetime, actor, now
) -> None:
    from core.campaigns.services import calendar_for, sla_for_street

    office = current_street_office()
    policy = sla_for_street(office)
    calendar = calendar_for(office.district)
    for kind in kinds:
        clock_start(
            subject=request,
            kind=kind,
            duration=policy[kind],
            calendar=calendar,
            started_at=started_at,
            now=now,
            responsible_user_id=request.assignee_user_id,
            community_id=request.community_id,
            grid_id=request.grid_id,
            title=f"诉求 {request.number} {request.requester_name}",
            actor=actor,
        )


@transaction.atomic
def request_receive(
    *,
    actor: Member | None,
    channel: str,
    category: str,
    description: str,
    requester_name: str,
    community: Community | None = None,
    requester_phone: str = "",
    address: str = "",
    grid: Grid | None = None,
    household_id: int | None = None,
    assignee_user_id: int | None = None,
    received_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> CitizenRequest:
    """Register a request and start its three clocks (respond, handle, feed back) from the SLA policy.

    ``latitude`` / ``longitude``: WGS 84 degrees (Decimal, 6 places) when the channel gives a position
    (Open311); both or neither, within -90..90 / -180..180, else ValidationError.

    With ``household_id`` the request is linked to that household (which must be active and in the
    actor's reach) and goes to the household's community and grid, whatever ``community``/``grid`` say;
    a blank ``address`` / ``requester_phone`` takes the household's.
    """
    ensure_can(actor, "request.create")
    now = now or timezone.now()
    ensure_plausible(received_at=received_at, now=now)
    received_at = received_at or now
    errors: dict[str, list[str]] = {}
    household = request_household(actor=actor, household_id=household_id, errors=errors)
    if household is not None:
        community, grid = household.community, household.grid
        # The linked household's address and phone stand in for what the form left blank.
        address = (address or "").strip() or household.address
        requester_phone = (requester_phone or "").strip() or household.phone
    elif community is None and "household_id" not in errors:
        errors["community"] = ["请选择社区(村)或关联户 / choose a community or a household"]
    if (latitude is None) != (longitude is None):
        errors["latitude"] = ["经纬度应同时填写 / latitude and longitude go together"]
    elif latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        errors["latitude"] = ["经纬度超出范围 / latitude or longitude out of range"]
    if channel not in RequestChannel.values:
        errors["channel"] = ["来源无效 / unknown channel"]
    if category not in RequestCategory.values:
        errors["category"] = ["类别无效 / unknown category"]
    if not (description or "").strip():
        errors["description"] = ["请填写诉求内容 / description is required"]
    if not (requester_name or "").strip():
        errors["requester_name"] = ["请填写诉求人 / requester name is required"]
    if grid is not None and community is not None and grid.community_id != community.pk:
        errors["grid"] = ["网格不属于所选社区 / the grid is not in this community"]
    if received_at > now + dt.timedelta(minutes=5):
        errors["received_at"] = ["受理时间不能晚于当前时间 / received_at is in the future"]
    if errors:
        raise ValidationError(errors)
    if household is None:
        ensure_reach(actor, community_id=community.pk, grid_id=grid.pk if grid else None)
    if assignee_user_id is None:
        assignee_user_id = default_assignee(actor=actor, community=community, grid=grid)
    assignee = User.objects.filter(pk=assignee_user_id).first() if assignee_user_id else None
    request = CitizenRequest.objects.create(
        channel=channel,
        category=category,
        description=description.strip(),
        requester_name=requester_name.strip(),
        requester_phone=(requester_phone or "").strip(),
        address=(address or "").strip(),
        latitude=latitude,
        longitude=longitude,
        community=community,
        grid=grid,
        household=household,
        received_at=received_at,
        received_by_id=getattr(getattr(actor, "user", None), "pk", None),
        received_by_name=actor_name(actor),
        assignee_user_id=assignee.pk if assignee else None,
        assignee_name=assignee.display_name() if assignee else "",
    )
    W.number(request, at=received_at)
    W.event(request, "received", actor=actor, at=received_at, note=request.description[:200])
    _start_clocks(request, CLOCK_KINDS, received_at, actor, now)
    audit_record(actor=actor, action="request.receive", obj=request, after=model_snapshot(request))
    publish(
        "request.created",
        request,
        {
            "number": request.number,
            "category": request.category,
            "category_label": str(request.get_category_display()),
            "channel": request.channel,
            "requester_name": request.requester_name,
            "summary": request.description[:100],
            "assignee_user_id": request.assignee_user_id,
            "community_id": request.community_id,
            "grid_id": request.grid_id,
            "url": W.url(request),
        },
        actor=actor,
        at=now,
    )
    return request


def _begin(request: CitizenRequest, actor: Member | None, name: str):
    """Permission, then the row lock and re-check (StepConflict when someone was faster), then reach."""
    ensure_can(actor, W.step(name).action)
    step = W.begin(request, name)
    ensure_reach(actor, community_id=request.community_id, grid_id=request.grid_id)
    return step


def _step(request: CitizenRequest, actor: Member, name: str, at: dt.datetime | None, fields: dict, note: str):
    at = at or timezone.now()
    step = _begin(request, actor, name)
    before = model_snapshot(request)
    request.status = step.target
    for field_name, value in fields.items():
        setattr(request, field_name, value)
    request.save()
    W.event(request, step.event, actor=actor, at=at, note=note)
    audit_record(
        actor=actor, action=f"request.{step.target}", obj=request, before=before, after=model_snapshot(request)
    )
    return at


@transaction.atomic
def request_respond(*, request: CitizenRequest, actor: Member, note: str, at: dt.datetime | None = None):
    """First contact with the requester; meets the 'respond' clock."""
    note = _required(note, "note", "响应情况")
    at = at or timezone.now()
    _step(
        request,
        actor,
        "respond",
        at,
        {"responded_at": at, "responded_by_name": actor_name(actor), "response_note": note},
        note,
    )
    clock_meet(subject=request, kind="respond", at=at, actor=actor)
    return request


@transaction.atomic
def request_handle(*, request: CitizenRequest, actor: Member, note: str, at: dt.datetime | None = None):
    """The problem is dealt with; meets the 'handle' clock."""
    note = _required(note, "note", "处置情况")
    at = at or timezone.now()
    _step(
        request,
        actor,
        "handle",
        at,
        {"handled_at": at, "handled_by_name": actor_name(actor), "handling_note": note},
        note,
    )
    clock_meet(subject=request, kind="handle", at=at, actor=actor)
    return request


@transaction.atomic
def request_feedback(
    *, request: CitizenRequest, actor: Member, note: str, satisfaction: str, at: dt.datetime | None = None
):
    """The requester was told the result and said how satisfied they are; meets the 'feedback' clock."""
    note = _required(note, "note", "反馈情况")
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": ["请选择诉求人满意度 / choose the requester's satisfaction"]})
    at = at or timezone.now()
    _step(
        request,
        actor,
        "feedback",
        at,
        {
            "feedback_at": at,
            "feedback_by_name": actor_name(actor),
            "feedback_note": note,
            "satisfaction": satisfaction,
        },
        note,
    )
    clock_meet(subject=request, kind="feedback", at=at, actor=actor)
    return request


@transaction.atomic
def request_close(*, request: CitizenRequest, actor: Member, note: str = "", at: dt.datetime | None = None):
    """Close a request once feedback was given (an unsatisfied requester's request should be reopened)."""
    at = at or timezone.now()
    _step(request, actor, "close", at, {"closed_at": at, "closed_by_name": actor_name(actor)}, note)
    publish(
        "request.closed",
        request,
        {
            "number": request.number,
            "satisfaction": request.satisfaction,
            "community_id": request.community_id,
            "grid_id": request.grid_id,
            "url": W.url(request),
        },
        actor=actor,
        at=at,
    )
    return request


@transaction.atomic
def request_reopen(
    *,
    request: CitizenRequest,
    actor: Member,
    reason: str,
    at: dt.datetime | None = None,
    now: dt.datetime | None = None,
):
    """Reopen after feedback or closure: handled again, with new handle and feedback clocks (next round)."""
    reason = _required(reason, "reason", "重新办理原因")
    now = now or timezone.now()
    at = at or now
    step = _begin(request, actor, "reopen")
    before = model_snapshot(request)
    request.status, request.round = step.target, request.round + 1
    request.handled_at = request.feedback_at = request.closed_at = None
    request.handled_by_name = request.feedback_by_name = request.closed_by_name = ""
    request.handling_note = request.feedback_note = request.satisfaction = ""
    request.save()
    W.event(request, step.event, actor=actor, at=at, note=reason)
    _start_clocks(request, ("handle", "feedback"), at, actor, now)
    audit_record(
        actor=actor,
        action="request.reopen",
        obj=request,
        before=before,
        after=model_snapshot(request),
        reason=reason,
    )
    return request


@transaction.atomic
def request_assign(*, request: CitizenRequest, actor: Member, assignee_user_id: int):
    """Give the request to another member of this street; its open clocks follow, the new holder is told."""
    ensure_can(actor, "request.handle")
    ensure_reach(actor, community_id=request.community_id, grid_id=request.grid_id)
    return W.assign(
        request,
        actor=actor,
        user_id=assignee_user_id,
        payload={"category_label": str(request.get_category_display())},
    )
