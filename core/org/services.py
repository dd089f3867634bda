"""Writes of the street's organisation: communities, grids, buildings, and who works where."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.audit.services import audit_record, model_snapshot
from core.common import PHONE_ERROR, PHONE_RE, current_office, ensure_can
from core.once.unique import unique_messages
from core.org.models import Building, Community, Grid
from core.org.scope import ensure_reach
from tenants.models import Membership
from tenants.roles import BUILDING_HEAD, GRID_WORKER, ROLE_SCOPE, SCOPE_COMMUNITY

COMMUNITY_FIELDS = (
    "name",
    "kind",
    "code",
    "address",
    "director_name",
    "director_phone",
    "hotline",
    "hotline_hours",
    "sort_order",
    "is_active",
)
GRID_FIELDS = ("community", "name", "code", "is_active")
BUILDING_FIELDS = ("grid", "name", "address", "head_user_id", "head_name", "head_phone")


def _check_phones(fields: dict, names: tuple[str, ...]) -> None:
    values = {n: (fields.get(n) or "").strip() for n in names}
    errors = {n: [PHONE_ERROR] for n, v in values.items() if v and not PHONE_RE.match(v)}
    if errors:
        raise ValidationError(errors)


def _save(obj, *, fields: dict, allowed: tuple[str, ...], actor, action: str):
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(
            {"non_field_errors": [f"未知字段 {', '.join(sorted(unknown))} / unknown fields"]}
        )
    before = model_snapshot(obj) if obj.pk else None
    for name, value in fields.items():
        setattr(obj, name, value.strip() if isinstance(value, str) else value)
    obj.full_clean()
    obj.save()
    audit_record(actor=actor, action=action, obj=obj, before=before, after=model_snapshot(obj))
    return obj


@unique_messages
@transaction.atomic
def community_save(*, actor, community: Community | None = None, **fields) -> Community:
    """Create (no ``community``) or update a community. Hotline-only edits need hotline.edit."""
    only_hotline = community is not None and set(fields) <= {"hotline", "hotline_hours"}
    ensure_can(actor, "hotline.edit" if only_hotline else "org.edit")
    obj = community or Community()
    if community is not None:
        ensure_reach(actor, community_id=community.pk)
    action = "community.update" if obj.pk else "community.create"
    _check_phones(fields, ("director_phone", "hotline"))
    return _save(obj, fields=fields, allowed=COMMUNITY_FIELDS, actor=actor, action=action)


@unique_messages
@transaction.atomic
def grid_save(*, actor, grid: Grid | None = None, **fields) -> Grid:
    ensure_can(actor, "org.edit")
    obj = grid or Grid()
    action = "grid.update" if obj.pk else "grid.create"
    return _save(obj, fields=fields, allowed=GRID_FIELDS, actor=actor, action=action)


@unique_messages
@transaction.atomic
def building_save(*, actor, building: Building | None = None, **fields) -> Building:
    ensure_can(actor, "org.edit")
    obj = building or Building()
    action = "building.update" if obj.pk else "building.create"
    _check_phones(fields, ("head_phone",))
    return _save(obj, fields=fields, allowed=BUILDING_FIELDS, actor=actor, action=action)


@transaction.atomic
def member_place_assign(
    *, actor, membership: Membership, community: Community | None, grid: Grid | None
) -> Membership:
    """Put a street member in a community (community roles) or a grid (grid workers, building heads)."""
    ensure_can(actor, "member.manage")
    if membership.street_office_id != getattr(current_office(), "pk", None):
        raise PermissionDenied("不是本街道人员 / not a member of this street office")
    errors: dict[str, list[str]] = {}
    if membership.role in (GRID_WORKER, BUILDING_HEAD):
        if grid is None:
            errors["grid"] = ["请选择网格 / choose a grid"]
        else:
            community = grid.community
    elif ROLE_SCOPE[membership.role] == SCOPE_COMMUNITY:
        if grid is not None:
            errors["grid"] = ["社区角色不能指定网格 / a community role has no grid"]
        if community is None:
            errors["community"] = ["请选择社区 / choose a community"]
    else:
        errors["role"] = ["该角色覆盖全街道，无需指定社区或网格 / this role covers the whole street"]
    if errors:
        raise ValidationError(errors)
    before = model_snapshot(membership)
    membership.community_id = community.pk if community else None
    membership.grid_id = grid.pk if grid else None
    membership.save(update_fields=["community_id", "grid_id"])
    audit_record(
        actor=actor,
        action="membership.place",
        obj=membership,
        before=before,
        after=model_snapshot(membership),
    )
    return membership
