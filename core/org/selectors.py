"""Reads of the organisation, scoped to the member."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from core.common import current_office
from core.org.models import Building, Community, Grid
from core.org.scope import scope_q
from tenants.members import Member
from tenants.models import Membership, User
from tenants.roles import GRID_WORKER, SCOPE_DISTRICT, SCOPE_GRID, SCOPE_STREET


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


def grid_workers(grid: Grid) -> list[User]:
    return [m.user for m in street_members(roles=[GRID_WORKER]).filter(grid_id=grid.pk)]
