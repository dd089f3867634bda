"""Reads of inspections, scoped: my grid, visits, the two ledgers, coverage (不漏一户、不落一人)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from core.inspections.models import Need, Problem, Visit, VisitPhoto
from core.inspections.window import inspection_window
from core.org.scope import scope_households
from core.registry.models import Household, Person
from core.uploads import serve_upload
from tenants.members import Member


def covering_visits(window: tuple) -> QuerySet[Visit]:
    """Visits that count as coverage of OuterRef('pk'): a home visit in the window, or a phone
    follow-up in the window when the household is phone-only (with its reason)."""
    start, end = window
    return Visit.objects.filter(household=OuterRef("pk"), visited_at__gte=start, visited_at__lt=end).filter(
        Q(kind=Visit.Kind.HOME) | Q(kind=Visit.Kind.PHONE, household__phone_only=True)
    )


def households_with_coverage(*, member: Member, window=None) -> QuerySet[Household]:
    """Active households in reach, annotated ``covered`` (one EXISTS, no join: safe to group by).

    ``window``: the inspection window ``(start, end)`` when the caller already read it (a page showing
    several coverage views reads the campaign once); read from the district's campaign otherwise.
    """
    window = window or inspection_window(member.district)
    return scope_households(Household.objects.filter(is_active=True), member).annotate(
        covered=Exists(covering_visits(window)),
    )


def my_grid(
    *, member: Member, grid_id: int | None = None, pending_only: bool = False, window=None
) -> QuerySet[Household]:
    """Households in reach, the ones still needing a visit first."""
    last_visit = (
        Visit.objects.filter(household=OuterRef("pk")).order_by("-visited_at").values("visited_at")[:1]
    )
    person_count = (
        Person.objects.filter(household=OuterRef("pk"), is_active=True)
        .values("household")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    qs = (
        households_with_coverage(member=member, window=window)
        .select_related("grid", "community")
        .annotate(last_visit_at=Subquery(last_visit), person_count=Coalesce(Subquery(person_count), 0))
    )
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if pending_only:
        qs = qs.filter(covered=False)
    return qs.order_by("covered", "grid_id", "address", "id")


@dataclass
class CoverageRow:
    key: int | None
    name: str
    registered: int = 0
    covered: int = 0
    children: list = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.registered - self.covered

    @property
    def percent(self) -> float:
        return round(100.0 * self.covered / self.registered, 1) if self.registered else 100.0


def coverage(*, member: Member, window=None) -> CoverageRow:
    """Street → community → grid tree of registered / covered households, in one grouped query."""
    rows = (
        households_with_coverage(member=member, window=window)
        .values("community_id", "community__name", "grid_id", "grid__name")
        .annotate(registered=Count("id"), covered_n=Count("id", filter=Q(covered=True)))
        .order_by("community__sort_order", "community__name", "grid__code", "grid_id")
    )
    street = CoverageRow(None, member.street_office.name if member.street_office else "")
    communities: dict[int, CoverageRow] = {}
    for row in rows:
        community = communities.get(row["community_id"])
        if community is None:
            community = communities[row["community_id"]] = CoverageRow(
                row["community_id"], row["community__name"]
            )
            street.children.append(community)
        grid = CoverageRow(row["grid_id"], row["grid__name"], row["registered"], row["covered_n"])
        community.children.append(grid)
        for level in (community, street):
            level.registered += grid.registered
            level.covered += grid.covered
    return street


def not_visited(*, member: Member, community_id: int | None = None, grid_id: int | None = None):
    qs = households_with_coverage(member=member).filter(covered=False).select_related("community", "grid")
    if community_id:
        qs = qs.filter(community_id=community_id)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    return qs.order_by("community__sort_order", "community_id", "grid_id", "address", "id")


def visit_list(*, member: Member) -> QuerySet[Visit]:
    qs = Visit.objects.select_related("household__community", "household__grid")
    return scope_households(qs, member, prefix="household__")


def visit_get(*, member: Member, pk: int) -> Visit:
    return get_object_or_404(
        visit_list(member=member).prefetch_related("items", "needs", "problems", "photos"), pk=pk
    )


def visit_photo_get(*, member: Member, visit_id: int, pk: int) -> VisitPhoto:
    """One photo of a visit the member can see (404 otherwise, also for another grid's visit)."""
    visit = get_object_or_404(visit_list(member=member), pk=visit_id)
    return get_object_or_404(VisitPhoto.objects.filter(visit=visit), pk=pk)


def visit_photo_response(photo: VisitPhoto):
    """The photo's bytes, for the web page and the API alike (never a public media URL)."""
    return serve_upload(photo.image, download_name=f"visit-{photo.visit_id}-photo-{photo.pk}")


def need_list(*, member: Member) -> QuerySet[Need]:
    """Needs in the member's reach, each with ``next_due_at`` / ``next_warn_at`` of its open clock
    (None once met or cancelled)."""
    from core.deadlines.models import OPEN_STATES, Clock

    qs = Need.objects.select_related("household__community", "household__grid", "person", "visit")
    open_clock = Clock.objects.filter(
        subject_type="inspections.need", subject_id=OuterRef("pk"), state__in=OPEN_STATES
    ).order_by("due_at")
    return scope_households(qs, member, prefix="household__").annotate(
        next_due_at=Subquery(open_clock.values("due_at")[:1]),
        next_warn_at=Subquery(open_clock.values("warn_at")[:1]),
    )


def problem_list(*, member: Member) -> QuerySet[Problem]:
    qs = Problem.objects.select_related("household__community", "household__grid", "visit", "rectification")
    return scope_households(qs, member, prefix="household__")
