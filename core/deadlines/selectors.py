"""Reads of clocks: a member's deadlines, and on-time rates per grid, community and street."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from core.deadlines.models import OPEN_STATES, Clock, ClockState
from core.org.scope import scope_q
from tenants.members import Member

LATE_Q = Q(state=ClockState.MET_LATE)


CLOCK_STATE_FILTERS = ("open", "all", *ClockState.values)


def clocks_for_member(*, member: Member, mine: bool = True, state: str = "open") -> QuerySet[Clock]:
    """Clocks the member is responsible for (``mine``) or may see in their reach, by ``state``:
    ``"open"`` (on track, due soon, overdue), ``"all"`` (cancelled included) or one ClockState value.
    Raises ``ValidationError`` (field ``state``) for anything else."""
    if state == "open":
        qs = Clock.objects.filter(state__in=OPEN_STATES)
    elif state == "all":
        qs = Clock.objects.all()
    elif state in ClockState.values:
        qs = Clock.objects.filter(state=state)
    else:
        from django.core.exceptions import ValidationError

        raise ValidationError(
            {
                "state": [
                    f"应为 {'、'.join(CLOCK_STATE_FILTERS)} 之一 / one of {', '.join(CLOCK_STATE_FILTERS)}"
                ]
            }
        )
    if mine:
        return qs.filter(responsible_user_id=member.user.pk)
    return qs.filter(scope_q(member, grid="grid", community="community"))


def my_deadlines(
    *, member: Member, now: dt.datetime | None = None, met_days: int = 14
) -> dict[str, list[Clock]]:
    """The member's clocks grouped as the page shows them: overdue, due soon, on track, recently met."""
    now = now or timezone.now()
    qs = clocks_for_member(member=member, state="all").exclude(state=ClockState.CANCELLED)
    open_clocks = list(qs.filter(state__in=OPEN_STATES).order_by("due_at", "id")[:500])
    groups: dict[str, list[Clock]] = {"overdue": [], "due_soon": [], "on_track": []}
    from core.deadlines.services import clock_state_at

    for clock in open_clocks:
        groups[clock_state_at(clock, now)].append(clock)
    groups["met"] = list(qs.filter(met_at__gte=now - dt.timedelta(days=met_days)).order_by("-met_at", "-id")[:100])
    return groups


@dataclass(frozen=True)
class OnTimeRate:
    key: int | None
    on_time: int
    late: int
    open_not_due: int

    @property
    def closed_or_due(self) -> int:
        return self.on_time + self.late

    @property
    def rate(self) -> float | None:
        """Share of clocks met on time among those met or already past due (open-but-overdue counts late)."""
        return None if self.closed_or_due == 0 else self.on_time / self.closed_or_due


def on_time_rates(
    *,
    by: str = "community",
    now: dt.datetime | None = None,
    kinds: list[str] | None = None,
    since: dt.datetime | None = None,
    member: Member | None = None,
) -> list[OnTimeRate]:
    """On-time rate grouped ``by`` "grid", "community" or "street" (one row for the whole street).

    Uses ``now`` rather than the persisted state, so a clock past due is late even before the scanner
    has marked it.
    """
    now = now or timezone.now()
    qs = Clock.objects.exclude(state=ClockState.CANCELLED)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if since:
        qs = qs.filter(due_at__gte=since)
    if member is not None:
        qs = qs.filter(scope_q(member, grid="grid", community="community"))
    open_q = Q(state__in=OPEN_STATES)
    aggregates = {
        "on_time": Count("id", filter=Q(state=ClockState.MET_ON_TIME)),
        "late": Count("id", filter=LATE_Q | (open_q & Q(due_at__lte=now))),
        "open_not_due": Count("id", filter=open_q & Q(due_at__gt=now)),
    }
    if by == "street":
        row = qs.aggregate(**aggregates)
        return [OnTimeRate(key=None, **row)]
    field = {"grid": "grid_id", "community": "community_id"}[by]
    rows = qs.values(field).annotate(**aggregates).order_by(field)
    return [
        OnTimeRate(key=r[field], on_time=r["on_time"], late=r["late"], open_not_due=r["open_not_due"])
        for r in rows
    ]


# --- the deadlines page and the home card (issue 12 §7, §9) -------------------------------------
GROUPS = ("overdue", "due_soon", "on_track", "met")
MINE, REACH = "mine", "reach"


def deadline_group_q(group: str, now: dt.datetime, met_days: int = 14) -> Q:
    """Clocks in ``group`` at ``now`` (the same rule as ``clock_state_at``, as a filter)."""
    open_q = Q(state__in=OPEN_STATES, met_at__isnull=True)
    return {
        "overdue": open_q & Q(due_at__lte=now),
        "due_soon": open_q & Q(warn_at__lte=now, due_at__gt=now),
        "on_track": open_q & Q(warn_at__gt=now),
        "met": Q(met_at__gte=now - dt.timedelta(days=met_days)),
    }[group]


def deadline_counts(*, member: Member, scope: str = MINE, now: dt.datetime | None = None) -> dict[str, int]:
    """{group: count} of the member's own clocks (``mine``) or of every clock in reach, one query."""
    now = now or timezone.now()
    qs = clocks_for_member(member=member, mine=scope == MINE)
    return qs.aggregate(**{group: Count("id", filter=deadline_group_q(group, now)) for group in GROUPS})


def deadline_list(*, member: Member, group: str, scope: str = MINE, now: dt.datetime | None = None) -> QuerySet[Clock]:
    """One group's clocks, most urgent first (met: latest first), with a unique tie-breaker for paging."""
    now = now or timezone.now()
    qs = clocks_for_member(member=member, mine=scope == MINE).filter(deadline_group_q(group, now))
    return qs.order_by("-met_at", "-id") if group == "met" else qs.order_by("due_at", "id")

def subject_next_due(subject) -> dt.datetime | None:
    """The earliest due time (aware UTC) among the subject's open clocks; None when none is open.
    Lists annotate the same value with a subquery; this is the one-object form for detail reads."""
    return (
        Clock.objects.filter(
            subject_type=subject._meta.label_lower, subject_id=subject.pk, state__in=OPEN_STATES
        )
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )


def clocks_overdue(*, member: Member, kinds: tuple[str, ...]) -> QuerySet[Clock]:
    """Overdue clocks of these kinds in the member's reach (a street-wide member sees them all)."""
    return clocks_for_member(member=member, mine=False, state=ClockState.OVERDUE).filter(kind__in=kinds)


def clocks_where(
    *,
    kinds: list[str] | tuple[str, ...] | None = None,
    subject_type: str = "",
    open_only: bool = False,
    overdue_at: dt.datetime | None = None,
    exclude_cancelled: bool = False,
) -> QuerySet[Clock]:
    """Clocks of the current street office for counting (the district rollup): of these ``kinds`` /
    ``subject_type``; only open ones; only those overdue at ``overdue_at`` (open and past due: the
    engine's rule, as ``clock_state_at``); without cancelled ones."""
    qs = Clock.objects.all()
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    if subject_type:
        qs = qs.filter(subject_type=subject_type)
    if open_only or overdue_at is not None:
        qs = qs.filter(state__in=OPEN_STATES)
    if overdue_at is not None:
        qs = qs.filter(due_at__lte=overdue_at)
    if exclude_cancelled:
        qs = qs.exclude(state=ClockState.CANCELLED)
    return qs


def clock_subject_ids(*, subject_type: str, kind: str = "", open_only: bool = True) -> QuerySet:
    """``subject_id`` values of subjects that have a (by default open) clock, for ``pk__in`` filters."""
    qs = clocks_where(subject_type=subject_type, kinds=[kind] if kind else None, open_only=open_only)
    return qs.values("subject_id")


def clock_due_passed(*, subject_type: str, kind: str, now: dt.datetime) -> Exists:
    """For annotating subjects: whether the subject (``OuterRef("pk")``) has a clock of ``kind``
    whose deadline has passed at ``now``."""
    return Exists(
        Clock.objects.filter(subject_type=subject_type, subject_id=OuterRef("pk"), kind=kind, due_at__lte=now)
    )
