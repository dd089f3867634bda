"""Live figures of the district's street offices (区级总览) and the overdue list across streets.

Each street is read inside its own schema through the domains' selectors, as a district member sees
it (read-only, whole street). Figures are computed when asked; the page states when.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenants.members import Member

REQUEST_CLOCKS = ["respond", "handle", "feedback"]


@dataclass
class StreetFigures:
    """One street office's figures. Rates are percentages (float) or None when nothing counts yet."""

    slug: str
    name: str
    registered: int = 0
    covered: int = 0
    needs_open: int = 0
    needs_met: int = 0
    problems_open: int = 0
    problems_resolved: int = 0
    requests_open: int = 0
    requests_total: int = 0
    clocks_overdue: int = 0
    on_time: int = 0
    late: int = 0
    rectifications_open: int = 0
    rectifications_relapsed: int = 0
    tasks_done: int = 0
    tasks_due: int = 0

    @property
    def coverage_rate(self) -> float | None:
        return round(100.0 * self.covered / self.registered, 1) if self.registered else None

    @property
    def on_time_rate(self) -> float | None:
        total = self.on_time + self.late
        return round(100.0 * self.on_time / total, 1) if total else None

    @property
    def needs_met_rate(self) -> float | None:
        total = self.needs_open + self.needs_met
        return round(100.0 * self.needs_met / total, 1) if total else None


def street_figures(*, member: Member, office, now: dt.datetime) -> StreetFigures:
    """Figures of one street office for a district member (reads inside the street's schema)."""
    from core.campaigns.selectors import street_checks
    from core.deadlines.selectors import clocks_for_member, on_time_rates
    from core.inspections.selectors import coverage, need_list, problem_list
    from core.rectification.selectors import rectification_summary
    from core.requests.selectors import request_list

    row = StreetFigures(slug=office.slug, name=office.name)
    with tenant_context(office):
        tree = coverage(member=member)
        row.registered, row.covered = tree.registered, tree.covered
        needs = need_list(member=member).aggregate(
            open=Count("id", filter=Q(status__in=["open", "in_progress"])), met=Count("id", filter=Q(status="met"))
        )
        row.needs_open, row.needs_met = needs["open"], needs["met"]
        problems = problem_list(member=member).aggregate(
            open=Count("id", filter=Q(status="open")), resolved=Count("id", filter=Q(status="resolved"))
        )
        row.problems_open, row.problems_resolved = problems["open"], problems["resolved"]
        requests = request_list(member=member).aggregate(
            total=Count("id"), open=Count("id", filter=~Q(status="closed"))
        )
        row.requests_total, row.requests_open = requests["total"], requests["open"]
        row.clocks_overdue = clocks_for_member(member=member, mine=False).filter(
            state__in=["on_track", "due_soon", "overdue"], due_at__lte=now
        ).count()
        rate = on_time_rates(by="street", now=now, kinds=REQUEST_CLOCKS, member=member)[0]
        row.on_time, row.late = rate.on_time, rate.late
        summary = rectification_summary(member=member)
        row.rectifications_open = summary["open"] + summary["fixed"]
        row.rectifications_relapsed = summary["relapsed_items"]
    checks = street_checks(office=office)
    row.tasks_due = sum(1 for c in checks if c.due_at <= now)
    row.tasks_done = sum(1 for c in checks if c.done_at is not None)
    return row


SORTABLE = {
    "name": lambda r: r.name,
    "coverage": lambda r: r.coverage_rate if r.coverage_rate is not None else -1,
    "on_time": lambda r: r.on_time_rate if r.on_time_rate is not None else -1,
    "overdue": lambda r: r.clocks_overdue,
    "needs_open": lambda r: r.needs_open,
    "relapsed": lambda r: r.rectifications_relapsed,
}


def district_figures(*, member: Member, now: dt.datetime | None = None, sort: str = "name") -> tuple[list[StreetFigures], StreetFigures]:
    """(one row per street office of the member's district, sorted; the district total)."""
    from tenants.selectors import street_offices_of

    now = now or timezone.now()
    rows = [street_figures(member=member, office=o, now=now) for o in street_offices_of(district=member.district)]
    key = SORTABLE.get(sort.lstrip("-"), SORTABLE["name"])
    rows.sort(key=key, reverse=sort.startswith("-") or sort in ("overdue", "needs_open", "relapsed"))
    total = StreetFigures(slug="", name="合计")
    for r in rows:
        for f in ("registered", "covered", "needs_open", "needs_met", "problems_open", "problems_resolved",
                  "requests_open", "requests_total", "clocks_overdue", "on_time", "late", "rectifications_open",
                  "rectifications_relapsed", "tasks_done", "tasks_due"):
            setattr(total, f, getattr(total, f) + getattr(r, f))
    return rows, total


@dataclass
class OverdueItem:
    street: str
    slug: str
    kind: str
    kind_label: str
    title: str
    rule: str
    due_at: dt.datetime
    overdue_hours: int
    escalation: str
    escalated_at: dt.datetime | None


@dataclass
class OverdueGroup:
    street: str
    slug: str
    items: list[OverdueItem] = field(default_factory=list)

    @property
    def by_kind(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item.kind_label] = counts.get(item.kind_label, 0) + 1
        return sorted(counts.items(), key=lambda kv: -kv[1])


def overdue_across_streets(*, member: Member, now: dt.datetime | None = None, kind: str = "") -> list[OverdueGroup]:
    """Everything overdue in the district's street offices, grouped by street, the most escalated and
    newest escalation first within a street; streets with the most overdue first."""
    from core.deadlines.escalation import KIND_LABELS
    from core.deadlines.selectors import clocks_for_member
    from tenants.selectors import street_offices_of

    now = now or timezone.now()
    groups = []
    for office in street_offices_of(district=member.district):
        group = OverdueGroup(street=office.name, slug=office.slug)
        with tenant_context(office):
            qs = clocks_for_member(member=member, mine=False).filter(
                state__in=["on_track", "due_soon", "overdue"], due_at__lte=now
            )
            if kind:
                qs = qs.filter(kind=kind)
            for clock in qs.order_by("-escalation_level", "-due_at")[:200]:
                group.items.append(OverdueItem(
                    street=office.name, slug=office.slug, kind=clock.kind, kind_label=KIND_LABELS.get(clock.kind, clock.kind),
                    title=clock.title or clock.subject_type, rule=clock.rule, due_at=clock.due_at,
                    overdue_hours=int((now - clock.due_at).total_seconds() // 3600),
                    escalation=f"已逐级督办 {clock.escalation_level} 次" if clock.escalation_level else "",
                    escalated_at=clock.updated_at if clock.escalation_level else None,
                ))
        if group.items:
            groups.append(group)
    groups.sort(key=lambda g: -len(g.items))
    return groups
