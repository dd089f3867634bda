"""Reads of inspections, scoped: my grid, visits, the two ledgers, coverage (不漏一户、不落一人)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from core.inspections.models import Need, Problem, Visit, VisitPhoto
from core.inspections.window import CoveragePeriod, coverage_period
from core.org.scope import scope_households
from core.registry.models import Household, Person
from core.uploads import serve_upload
from tenants.members import Member
from tenants.roles import COMMUNITY_DIRECTOR, COMMUNITY_WORKER, GRID_WORKER, STREET_LEADER, STREET_STAFF


def qualifying_visit_q(prefix: str = "") -> Q:
    """A visit that counts as coverage: a home visit, or a phone follow-up of a household registered
    as phone-only (with its reason). The one statement of the rule (ADR 0016)."""
    return Q(**{f"{prefix}kind": Visit.Kind.HOME}) | Q(
        **{f"{prefix}kind": Visit.Kind.PHONE, f"{prefix}household__phone_only": True}
    )

def visit_counts_for_coverage(*, kind: str, household: Household) -> bool:
    """Whether a visit of this kind to this household would count (same rule as ``qualifying_visit_q``)."""
    return kind == Visit.Kind.HOME or (kind == Visit.Kind.PHONE and household.phone_only)

def covering_visits(window: tuple) -> QuerySet[Visit]:
    """Qualifying visits of OuterRef('pk') with ``visited_at`` in the half-open range [start, end)."""
    start, end = window
    return Visit.objects.filter(household=OuterRef("pk"), visited_at__gte=start, visited_at__lt=end).filter(
        qualifying_visit_q()
    )

def households_with_coverage(*, member: Member, period: CoveragePeriod | None = None) -> QuerySet[Household]:
    """Active households in reach, annotated (EXISTS subqueries, no join: safe to group by):

    ``covered`` — a qualifying visit since the phase started, within the campaign (ADR 0016);
    ``on_time`` — one inside the inspection phase;
    ``added_late`` — registered after the phase ended (can only be covered, never on time);
    ``first_covered_at`` — the first qualifying visit's time (aware UTC) or None.
    """
    period = period or coverage_period(member.district)
    campaign = (period.phase_start, period.campaign_end)
    first = covering_visits(campaign).order_by("visited_at").values("visited_at")[:1]
    return scope_households(Household.objects.filter(is_active=True), member).annotate(
        covered=Exists(covering_visits(campaign)),
        on_time=Exists(covering_visits((period.phase_start, period.phase_end))),
        added_late=ExpressionWrapper(Q(created_at__gte=period.phase_end), output_field=BooleanField()),
        first_covered_at=Subquery(first),
    )

def my_grid(
    *, member: Member, grid_id: int | None = None, pending_only: bool = False, period: CoveragePeriod | None = None
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
        households_with_coverage(member=member, period=period)
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
    """Counts of one street / community / grid (ADR 0016): ``covered`` is the campaign so far,
    ``on_time`` inside the inspection phase, ``late`` registered in time but covered after the phase,
    ``added_late`` registered after the phase (visited or not)."""

    key: int | None
    name: str
    registered: int = 0
    covered: int = 0
    on_time: int = 0
    late: int = 0
    added_late: int = 0
    children: list = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.registered - self.covered

    @property
    def percent(self) -> float:
        return round(100.0 * self.covered / self.registered, 1) if self.registered else 100.0

    @property
    def on_time_due(self) -> int:
        """Households that could have been covered on time (registered before the phase ended)."""
        return self.registered - self.added_late

    @property
    def on_time_percent(self) -> float:
        return round(100.0 * self.on_time / self.on_time_due, 1) if self.on_time_due else 100.0

    def add(self, other: CoverageRow) -> None:
        for name in ("registered", "covered", "on_time", "late", "added_late"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

def coverage(*, member: Member, period: CoveragePeriod | None = None) -> CoverageRow:
    """Street → community → grid tree of registered / covered / on-time / late households, in one
    grouped query (ADR 0016)."""
    rows = (
        households_with_coverage(member=member, period=period)
        .values("community_id", "community__name", "grid_id", "grid__name")
        .annotate(
            registered=Count("id"),
            covered_n=Count("id", filter=Q(covered=True)),
            on_time_n=Count("id", filter=Q(on_time=True)),
            late_n=Count("id", filter=Q(covered=True, on_time=False, added_late=False)),
            added_late_n=Count("id", filter=Q(added_late=True)),
        )
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
        grid = CoverageRow(
            row["grid_id"],
            row["grid__name"],
            registered=row["registered"],
            covered=row["covered_n"],
            on_time=row["on_time_n"],
            late=row["late_n"],
            added_late=row["added_late_n"],
        )
        community.children.append(grid)
        community.add(grid)
        street.add(grid)
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

def _rank(field: str, values: list[str]) -> Case:
    """0, 1, ... in the order of ``values``; anything else after them."""
    return Case(*[When(**{field: v}, then=Value(i)) for i, v in enumerate(values)], default=Value(len(values)))

def need_list(*, member: Member) -> QuerySet[Need]:
    """Needs in reach, open ones first (待解决, 办理中), the most urgent first, then the oldest (unique
    tie-breaker last so pages never overlap); each with ``next_due_at`` / ``next_warn_at`` of its
    open clock (None once met or cancelled)."""
    from core.deadlines.services import clock_next_open

    qs = Need.objects.select_related("household__community", "household__grid", "person", "visit")
    return (
        scope_households(qs, member, prefix="household__")
        .annotate(
            next_due_at=clock_next_open(subject_type="inspections.need", field="due_at"),
            next_warn_at=clock_next_open(subject_type="inspections.need", field="warn_at"),
            open_rank=_rank("status", [Need.Status.OPEN, Need.Status.IN_PROGRESS]),
            urgency_rank=_rank("urgency", ["critical", "urgent"]),
        )
        .order_by("open_rank", "urgency_rank", "created_at", "id")
    )


def problem_list(*, member: Member) -> QuerySet[Problem]:
    """Problems in reach, open ones first by deadline, then resolved ones (latest first)."""
    qs = Problem.objects.select_related("household__community", "household__grid", "visit", "rectification")
    return (
        scope_households(qs, member, prefix="household__")
        .annotate(open_rank=_rank("status", [Problem.Status.OPEN]))
        .order_by("open_rank", "due_at", "id")
    )

def status_counts(qs: QuerySet, choices) -> list[tuple[str, str, int]]:
    """[(status, label, count)] over ``qs`` in the order of ``choices``, one grouped query."""
    counted = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    return [(value, label, counted.get(value, 0)) for value, label in choices]


def need_may_be_responsible(member: Member | None, household: Household) -> bool:
    """Whether ``member`` may be made responsible for a need of ``household``: a street office's own
    member (not a district member) who sees the needs ledger and whose reach covers the household
    (street staff and leaders; the household's community's director and workers; its grid's worker).
    The one statement of the rule (``need_reassign`` and the reassign form)."""
    from core.org.scope import member_reaches

    return (
        member is not None
        and not member.is_district
        and not member.read_only
        and member.can("need.view")
        and member_reaches(member, community_id=household.community_id, grid_id=household.grid_id)
    )


def need_responsible_choices(need: Need) -> list[Member]:
    """The street office's members ``need`` may be handed to (``need_may_be_responsible``), street
    roles first, then by name."""
    from tenants.models import Membership
    from tenants.selectors import current_street_office

    office = current_street_office()
    members = [
        Member(
            user=m.user,
            role=m.role,
            membership_id=m.pk,
            district=office.district,
            street_office=office,
            community_id=m.community_id,
            grid_id=m.grid_id,
        )
        for m in Membership.objects.select_related("user").filter(street_office=office, is_active=True)
    ]
    order = {STREET_LEADER: 0, STREET_STAFF: 1, COMMUNITY_DIRECTOR: 2, COMMUNITY_WORKER: 3, GRID_WORKER: 4}
    chosen = [m for m in members if need_may_be_responsible(m, need.household)]
    return sorted(chosen, key=lambda m: (order.get(m.role, 9), m.user.display_name(), m.user.pk))
