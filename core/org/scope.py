"""``scope_to_member``: the single place that knows how far a member reaches inside a street.

Street and district roles see the whole street (district roles only read, see Member.can);
community roles see their community; grid roles their grid. Pass the lookup path from the
queryset's model to the grid (or community) — e.g. ``grid="household__grid"``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from tenants.members import Member
from tenants.roles import SCOPE_COMMUNITY, SCOPE_DISTRICT, SCOPE_GRID, SCOPE_STREET


def _key(path: str) -> str:
    return "pk" if path == "pk" else f"{path}_id"


def scope_q(member: Member, *, grid: str | None = "grid", community: str | None = None) -> Q:
    """A Q object limiting rows to the member's reach. ``community`` defaults to ``<grid>__community``.

    A path is a lookup from the row to its grid (community); ``"pk"`` means the row itself (the
    rows are grids, or communities). ``None``: the rows have no such link.
    """
    community = community or (f"{grid}__community" if grid and grid != "pk" else None)
    scope = member.scope
    if scope in (SCOPE_STREET, SCOPE_DISTRICT):
        return Q()
    if scope == SCOPE_GRID and member.grid_id is not None and grid:
        return Q(**{_key(grid): member.grid_id})
    if scope in (SCOPE_GRID, SCOPE_COMMUNITY) and member.community_id is not None and community:
        return Q(**{_key(community): member.community_id})
    return Q(pk__in=[])  # a narrow role not yet assigned to a community or grid sees nothing


def scope_to_member(
    qs: QuerySet, member: Member, *, grid: str | None = "grid", community: str | None = None
) -> QuerySet:
    return qs.filter(scope_q(member, grid=grid, community=community))


def scope_households(qs: QuerySet, member: Member, *, prefix: str = "") -> QuerySet:
    """Scope a queryset of households (``prefix=""``) or of rows hanging off one (``prefix="household__"``)."""
    return qs.filter(scope_q(member, grid=f"{prefix}grid", community=f"{prefix}community"))


def member_reaches(member: Member, *, community_id: int | None, grid_id: int | None) -> bool:
    """Whether a place (a community, or a grid of a community) lies inside the member's reach."""
    scope = member.scope
    if scope in (SCOPE_STREET, SCOPE_DISTRICT):
        return True
    if scope == SCOPE_GRID and member.grid_id is not None:
        return grid_id is not None and grid_id == member.grid_id
    if member.community_id is not None:
        return community_id == member.community_id
    return False


def ensure_reach(actor, *, community_id: int | None, grid_id: int | None = None) -> None:
    """The services' backstop: refuse (``PermissionDenied``) a place outside ``actor``'s reach.

    ``actor`` is a ``Member``; ``None`` (the system: scheduled tasks, demo loading) and plain users
    without a scope pass. Every writing service calls it for the place of what it changes.
    """
    if actor is not None and hasattr(actor, "scope") and not member_reaches(
        actor, community_id=community_id, grid_id=grid_id
    ):
        raise PermissionDenied("不在您的管辖范围 / outside your reach")


def communities_in_reach(member: Member) -> QuerySet:
    """Active communities the member works in (all of the street for street and district roles)."""
    from core.org.models import Community

    qs = Community.objects.filter(is_active=True)
    if member.scope in (SCOPE_STREET, SCOPE_DISTRICT):
        return qs
    if member.community_id is not None:
        return qs.filter(pk=member.community_id)
    if member.grid_id is not None:
        return qs.filter(grids__id=member.grid_id)
    return qs.none()


def grids_in_reach(member: Member) -> QuerySet:
    """Active grids the member works in."""
    from core.org.models import Grid

    qs = Grid.objects.filter(is_active=True).select_related("community")
    if member.scope == SCOPE_GRID and member.grid_id is not None:
        return qs.filter(pk=member.grid_id)
    return qs.filter(community__in=communities_in_reach(member))


def place_for_new(member: Member, *, community_id: int | None, grid_id: int | None = None):
    """The one place resolver: the community (and grid) a new item — a request, a rectification, a
    household — goes to, for web forms and the API alike.

    Returns ``(Community, Grid | None)``. A grid worker who names no grid gets their grid in that
    community. Raises ``django.core.exceptions.ValidationError`` keyed ``community`` / ``grid`` when
    the community is missing, unknown or outside the member's reach, or the grid is not one of that
    community's grids in reach — an unknown id and a stranger's id get the same message.
    """
    from django.core.exceptions import ValidationError

    community = None
    if community_id is not None:
        community = communities_in_reach(member).filter(pk=community_id).first()
    if community is None:
        raise ValidationError(
            {"community": ["社区不存在或不在您的负责范围 / unknown community or outside your reach"]}
        )
    grid = None
    if grid_id:
        grid = grids_in_reach(member).filter(pk=grid_id, community=community).first()
        if grid is None:
            raise ValidationError(
                {"grid": ["网格不属于该社区或不在您的负责范围 / grid not in this community or reach"]}
            )
    elif member.scope == SCOPE_GRID:
        grid = grids_in_reach(member).filter(community=community).first()
    return community, grid
