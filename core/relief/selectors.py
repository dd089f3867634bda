"""Reads of relief, scoped to the member's reach (``core.org.scope``): cases, payments, the material
ledger and its balances and diversion report, patrols, holiday targets and visits."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Subquery, Sum
from django.http import Http404

from core.deadlines.selectors import clocks_overdue
from core.deadlines.services import clock_next_open, clocks_of
from core.org.scope import communities_in_reach, scope_to_member
from core.relief.models import (
    CaseEvidence,
    CaseStatus,
    HolidayCampaign,
    HolidayTarget,
    HolidayVisit,
    MaterialItem,
    MovementKind,
    Patrol,
    Payment,
    ReliefCase,
    StockBalance,
    StockCount,
    StockMovement,
)
from tenants.members import Member
from tenants.roles import SCOPE_GRID

OPEN_CASE_STATUSES = tuple(s for s in CaseStatus.values if s not in ("closed", "withdrawn", "approved"))
CASE_SUBJECT = "relief.reliefcase"


def _next_clock(field: str) -> Subquery:
    return clock_next_open(subject_type=CASE_SUBJECT, field=field)


@dataclass
class CaseFilters:
    status: str = ""  # "" = open ones, "all", or one status
    kind: str = ""
    community_id: int | None = None
    household_id: int | None = None
    q: str = ""

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.status == "all":
            pass
        elif self.status:
            qs = qs.filter(status=self.status)
        else:
            qs = qs.filter(status__in=OPEN_CASE_STATUSES)
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.community_id:
            qs = qs.filter(community_id=self.community_id)
        if self.household_id:
            qs = qs.filter(household_id=self.household_id)
        if self.q:
            qs = qs.filter(Q(number__icontains=self.q) | Q(person__name__icontains=self.q)
                           | Q(household__address__icontains=self.q))
        return qs


def case_list(*, member: Member, filters: CaseFilters | None = None) -> QuerySet:
    """Cases in reach, with ``next_due_at`` / ``next_clock_kind`` (their most urgent open clock);
    open cases first, the most urgent first, then the newest (the id breaks ties, so pages never
    overlap)."""
    from django.db.models import Case, IntegerField, Value, When

    qs = scope_to_member(ReliefCase.objects.all(), member).select_related("household", "person", "community", "grid")
    qs = (filters or CaseFilters()).apply(qs)
    qs = qs.annotate(
        next_due_at=_next_clock("due_at"),
        next_clock_kind=_next_clock("kind"),
        open_rank=Case(When(status__in=OPEN_CASE_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()),
    )
    return qs.order_by("open_rank", "next_due_at", "-accepted_at", "-id")


def case_counts(*, member: Member, filters: CaseFilters | None = None) -> dict[str, int]:
    """Cases in reach per status (one grouped query), under ``filters`` except their status; also
    ``"open"`` (办理中) and ``"all"``: the summary at the top of the case board."""
    base = CaseFilters(**{**(filters or CaseFilters()).__dict__, "status": "all"})
    qs = base.apply(scope_to_member(ReliefCase.objects.all(), member))
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    out = {status: counts.get(status, 0) for status in CaseStatus.values}
    out["open"] = sum(out[s] for s in OPEN_CASE_STATUSES)
    out["all"] = sum(counts.values())
    return out


def case_get(*, member: Member, pk) -> ReliefCase:
    case = scope_to_member(ReliefCase.objects.all(), member).select_related(
        "household", "person", "community", "grid").filter(pk=pk).first()
    if case is None:
        raise Http404("救助案件不存在或不在您的管辖范围 / no such case in your reach")
    return case


def case_clocks(case: ReliefCase) -> list:
    """The case's clocks (core.deadlines), oldest first."""
    return clocks_of(case, order=("started_at", "id"))


def cases_waiting_on(*, member: Member, limit: int = 200) -> list[ReliefCase]:
    """Open cases in reach whose next step this member may take now."""
    from core.relief.services import steps_for_member

    found = []
    for case in case_list(member=member)[:limit]:
        if steps_for_member(case, member):
            found.append(case)
    return found


def overdue_relief_clocks(*, member: Member) -> QuerySet:
    """Overdue clocks of relief (cases and patrol weeks) in the member's reach."""
    kinds = ("relief_whole", "relief_decide", "relief_help", "relief_paperwork", "relief_confirm",
             "relief_refusal", "patrol_week")
    return clocks_overdue(member=member, kinds=kinds)


# --- payments --------------------------------------------------------------------------------------
def payment_list(*, member: Member, status: str = "", household_id: int | None = None) -> QuerySet:
    qs = scope_to_member(Payment.objects.all(), member, grid="household__grid", community="household__community")
    if status == "problem":
        qs = qs.filter(status__in=("late", "short", "paid_late"))
    elif status:
        qs = qs.filter(status=status)
    if household_id:
        qs = qs.filter(household_id=household_id)
    return (
        qs.select_related("case", "case__person", "household")
        .prefetch_related("entries")
        .order_by("-month", "due_on", "id")
    )


# --- material ledger ---------------------------------------------------------------------------------
def _communities(member: Member):
    return communities_in_reach(member).values_list("pk", flat=True)


def item_list() -> QuerySet:
    return MaterialItem.objects.filter(is_active=True).order_by("name")


def movement_list(*, member: Member, item_id: int | None = None, household_id: int | None = None) -> QuerySet:
    qs = StockMovement.objects.filter(community_id__in=_communities(member))
    if member.scope == SCOPE_GRID:
        qs = qs.filter(Q(household__grid_id=member.grid_id) | Q(household__isnull=True))
    if item_id:
        qs = qs.filter(item_id=item_id)
    if household_id:
        qs = qs.filter(household_id=household_id)
    return qs.select_related("item", "community", "household", "person").order_by("-created_at", "-id")


def balance_list(*, member: Member) -> QuerySet:
    """Balance per item and community (the running balance kept by every movement)."""
    return (
        StockBalance.objects.filter(community_id__in=_communities(member))
        .select_related("item", "community")
        .order_by("community__name", "item__name")
    )


def balance_totals(*, member: Member) -> list[dict]:
    """Per item across the member's communities: received, handed out, reversed, balance."""
    qs = StockMovement.objects.filter(community_id__in=_communities(member))
    rows = qs.values("item_id", "item__name", "item__unit").annotate(
        received=Sum("delta", filter=Q(kind=MovementKind.IN)),
        handed_out=Sum("delta", filter=Q(kind=MovementKind.OUT)),
        reversed=Sum("delta", filter=Q(kind=MovementKind.REVERSAL)),
        balance=Sum("delta"),
    )
    return [
        {**r, "received": r["received"] or 0, "handed_out": -(r["handed_out"] or 0), "reversed": r["reversed"] or 0}
        for r in rows.order_by("item__name")
    ]


def diversion_report(*, member: Member) -> dict:
    """What the ledger cannot account for: stock that left without a confirmed recipient (no
    household, no recipient name or no confirmation picture — must be empty), balances that differ
    from the movements that made them, and physical counts that differ from the ledger."""
    communities = _communities(member)
    outs = StockMovement.objects.filter(community_id__in=communities, kind=MovementKind.OUT)
    unconfirmed = outs.filter(Q(household__isnull=True) | Q(recipient_name="") | Q(confirmation=""))
    sums = {
        (r["item_id"], r["community_id"]): r["total"]
        for r in StockMovement.objects.filter(community_id__in=communities)
        .values("item_id", "community_id")
        .annotate(total=Sum("delta"))
    }
    mismatched = [
        {"item": b.item.name, "community": b.community.name, "balance": b.quantity,
         "movements": sums.get((b.item_id, b.community_id), 0)}
        for b in balance_list(member=member)
        if b.quantity != sums.get((b.item_id, b.community_id), 0)
    ]
    latest = {}
    for count in StockCount.objects.filter(community_id__in=communities).select_related("item", "community"):
        key = (count.item_id, count.community_id)
        if key not in latest or (count.counted_at, count.pk) > (latest[key].counted_at, latest[key].pk):
            latest[key] = count
    differences = [c for c in latest.values() if c.difference != 0]
    return {
        "unconfirmed": list(unconfirmed.select_related("item", "community")),
        "mismatched": mismatched,
        "count_differences": sorted(differences, key=lambda c: (c.community.name, c.item.name)),
    }


# --- patrols and holiday visits ----------------------------------------------------------------------
def patrol_list(*, member: Member) -> QuerySet:
    return Patrol.objects.prefetch_related("encounters").order_by("-started_at", "-id")


def holiday_campaigns() -> QuerySet:
    return HolidayCampaign.objects.annotate(
        target_count=Count("targets", distinct=True), visited=Count("targets__visits__target", distinct=True)
    ).order_by("-starts_on", "-id")


def holiday_targets(*, member: Member, campaign: HolidayCampaign, pending_only: bool = False) -> QuerySet:
    qs = scope_to_member(HolidayTarget.objects.filter(campaign=campaign), member)
    qs = qs.annotate(visit_count=Count("visits")).select_related("household", "person", "community", "grid")
    if pending_only:
        qs = qs.filter(visit_count=0)
    return qs.order_by("visit_count", "community_id", "grid_id", "household_id", "id")


def holiday_visit_list(*, member: Member, household_id: int | None = None) -> QuerySet:
    qs = scope_to_member(HolidayVisit.objects.all(), member, grid="target__grid", community="target__community")
    if household_id:
        qs = qs.filter(target__household_id=household_id)
    return qs.select_related("target", "target__person", "target__campaign", "stock_out__item").order_by(
        "-visited_at", "-id")


def household_relief(*, member: Member, household) -> dict:
    """What relief holds about one household (the household page's panel): cases, payments,
    hand-outs and holiday visits, each only for roles that may read it."""
    out: dict = {}
    if member.can("relief.view"):
        out["relief_cases"] = list(case_list(member=member, filters=CaseFilters(status="all", household_id=household.pk))[:50])
        out["relief_payments"] = list(payment_list(member=member, household_id=household.pk)[:24])
    if member.can("material.view"):
        out["relief_handouts"] = list(movement_list(member=member, household_id=household.pk)[:50])
    if member.can("holiday.view"):
        out["relief_holiday_visits"] = list(holiday_visit_list(member=member, household_id=household.pk)[:20])
    return out


# --- pictures (evidence, recipients' signatures) ----------------------------------------------------
# Served like the visit photos (core.inspections.selectors.visit_photo_get / visit_photo_response):
# looked up through the same reach-scoped reads as the records they belong to, 404 for anything
# outside reach or without a picture, bytes through the upload kit's ``serve_upload`` (never /media/).
def evidence_image_get(*, member: Member, case_id, pk) -> CaseEvidence:
    """A case's evidence with a picture, the case within the member's reach (404 otherwise)."""
    case = case_get(member=member, pk=case_id)
    evidence = case.evidence.filter(pk=pk).exclude(image="").first()
    if evidence is None:
        raise Http404("图片不存在 / no such picture")
    return evidence


def movement_confirmation_get(*, member: Member, pk) -> StockMovement:
    """A ledger line's recipient confirmation, the line within the member's reach (404 otherwise)."""
    line = movement_list(member=member).filter(pk=pk).exclude(confirmation="").first()
    if line is None:
        raise Http404("签收确认不存在或不在您的管辖范围 / no such confirmation in your reach")
    return line


def holiday_confirmation_get(*, member: Member, pk) -> HolidayVisit:
    """A holiday visit's signature or photo, the visit within the member's reach (404 otherwise)."""
    visit = holiday_visit_list(member=member).filter(pk=pk).exclude(confirmation="").first()
    if visit is None:
        raise Http404("签收确认不存在或不在您的管辖范围 / no such confirmation in your reach")
    return visit


def picture_response(record):
    """The picture's bytes for pages and the API alike (``core.uploads.serve_upload``: sniffed type,
    inline for images, nosniff + CSP headers, private cache)."""
    from core.uploads import serve_upload

    if isinstance(record, CaseEvidence):
        return serve_upload(record.image, download_name=f"case-{record.case_id}-evidence-{record.pk}")
    if isinstance(record, StockMovement):
        return serve_upload(record.confirmation, download_name=f"handout-{record.pk}-confirmation")
    return serve_upload(record.confirmation, download_name=f"holiday-visit-{record.pk}-confirmation")
