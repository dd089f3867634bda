"""Reads of the organisation, scoped to the member."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Count, Q, QuerySet

from core.common import current_office
from core.org.models import Building, Community, Grid
from core.org.scope import scope_q
from tenants.members import Member
from tenants.models import Membership, User
from tenants.roles import (
    COMMUNITY_DIRECTOR,
    COMMUNITY_WORKER,
    GRID_WORKER,
    SCOPE_DISTRICT,
    SCOPE_GRID,
    SCOPE_STREET,
    STREET_LEADER,
    STREET_STAFF,
    role_label,
)


def _community_q(member: Member) -> Q:
    if member.scope in (SCOPE_STREET, SCOPE_DISTRICT):
        return Q()
    if member.community_id is not None:
        return Q(pk=member.community_id)
    return Q(pk__in=[])


def community_list(*, member: Member) -> QuerySet[Community]:
    return Community.objects.filter(_community_q(member)).annotate(grid_count=Count("grids", distinct=True))


def grid_list(*, member: Member) -> QuerySet[Grid]:
    # Chinese numerals do not sort by code point (第一, 第三, 第二): order by code, then creation.
    qs = Grid.objects.select_related("community").order_by(
        "community__sort_order", "community_id", "code", "id"
    )
    if member.scope == SCOPE_GRID and member.grid_id is not None:
        return qs.filter(pk=member.grid_id)
    return qs.filter(scope_q(member, grid=None, community="community"))


def building_list(*, member: Member) -> QuerySet[Building]:
    return Building.objects.select_related("grid__community").filter(scope_q(member, grid="grid"))


def street_members(*, roles: list[str] | None = None) -> QuerySet[Membership]:
    qs = Membership.objects.select_related("user").filter(street_office=current_office(), is_active=True)
    return qs.filter(role__in=roles) if roles else qs


_TIER = {STREET_LEADER: 0, STREET_STAFF: 1, COMMUNITY_DIRECTOR: 2, COMMUNITY_WORKER: 3, GRID_WORKER: 4}


def people_choices(
    *,
    roles: list[str] | tuple[str, ...] | None = None,
    exclude_roles: tuple[str, ...] = (),
    keep: Callable[[Membership], bool] | None = None,
) -> list[tuple[int, str]]:
    """The one people picker: members of the current street office as ``[(user_id, "姓名（角色）")]``,
    street roles first (leader, staff, community director, community worker, grid worker, others),
    then by name. ``roles`` / ``exclude_roles`` narrow by role (constants of ``tenants.roles``);
    ``keep(membership)`` by anything else (e.g. who may take over a need)."""
    qs = street_members(roles=list(roles) if roles else None).exclude(role__in=exclude_roles)
    people = [m for m in qs if keep is None or keep(m)]
    people.sort(key=lambda m: (_TIER.get(m.role, 9), m.user.display_name(), m.user_id))
    return [(m.user_id, f"{m.user.display_name()}（{role_label(m.role)}）") for m in people]


def grid_workers(grid: Grid) -> list[User]:
    return [m.user for m in street_members(roles=[GRID_WORKER]).filter(grid_id=grid.pk)]
