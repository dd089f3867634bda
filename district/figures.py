"""The district's figures (区级总览), read from the rollup (``core.rollup``), and the overdue list
across streets (read live inside each street's schema through the deadlines' selector, as a district
member sees it: read-only, whole street).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django_tenants.utils import tenant_context

from core.rollup.selectors import Figures, district_total, street_figures
from tenants.members import Member

SORTABLE = {
    "name": lambda r: r.name,
    "coverage": lambda r: r.coverage_rate if r.coverage_rate is not None else -1,
    "phase_coverage": lambda r: r.phase_coverage_rate if r.phase_coverage_rate is not None else -1,
    "on_time": lambda r: r.on_time_rate if r.on_time_rate is not None else -1,
    "overdue": lambda r: r.get("clocks_overdue"),
    "needs_open": lambda r: r.get("needs_open"),
    "problems_open": lambda r: r.get("problems_open"),
    "relapsed": lambda r: r.get("rectifications_relapsed"),
    "relief": lambda r: r.get("relief_approved_yuan"),
    "patrol": lambda r: r.patrol_rate if r.patrol_rate is not None else -1,
    "tasks": lambda r: r.tasks_rate if r.tasks_rate is not None else -1,
}
# Columns where more is worse rank descending by default.
WORST_FIRST = frozenset({"overdue", "needs_open", "problems_open", "relapsed"})


def clean_sort(sort: str) -> str:
    """A known sort key (optionally ``-`` for the other direction), else ``name``."""
    return sort if sort.lstrip("-") in SORTABLE else "name"


def district_figures(*, member: Member, sort: str = "name") -> tuple[list[Figures], Figures]:
    """(the latest rollup figures of every street office of the member's district, sorted; the total).

    Read from the rollup (``core.rollup``), never computed here; each row carries ``refreshed_at``."""
    from tenants.models import PUBLIC_SCHEMA, StreetOffice

    offices = (StreetOffice.objects.filter(district=member.district).exclude(schema_name=PUBLIC_SCHEMA)
               .only("id", "name", "slug").order_by("name", "id"))
    rows = street_figures(offices=offices)
    sort = clean_sort(sort)
    key = sort.lstrip("-")
    descending = (key in WORST_FIRST) != sort.startswith("-")
    ranked = [r for r in rows if r.refreshed_at is not None]
    ranked.sort(key=SORTABLE[key], reverse=descending)
    return ranked + [r for r in rows if r.refreshed_at is None], district_total(rows)


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
    from core.deadlines.selectors import clocks_for_member
    from core.deadlines.subjects import kind_label
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
                    street=office.name, slug=office.slug, kind=clock.kind, kind_label=kind_label(clock.kind),
                    title=clock.title or clock.subject_type, rule=clock.rule, due_at=clock.due_at,
                    overdue_hours=int((now - clock.due_at).total_seconds() // 3600),
                    escalation=f"已逐级督办 {clock.escalation_level} 次" if clock.escalation_level else "",
                    escalated_at=clock.updated_at if clock.escalation_level else None,
                ))
        if group.items:
            groups.append(group)
    groups.sort(key=lambda g: -len(g.items))
    return groups
