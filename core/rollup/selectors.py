"""Reads of the district rollup: the latest figures per street office and per community, and series.

Figures are ``dict[metric, Decimal]``; ``refreshed_at`` is when they were computed (aware UTC), None
for a street office never rolled up yet (its figures are then all absent, not zero).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Sum

from core.rollup.metrics import METRICS
from core.rollup.models import STREET_WIDE, RollupFigure


@dataclass
class Figures:
    """One street office's (or community's, or the district total's) figures from the rollup."""

    key: int | None
    name: str
    slug: str = ""
    values: dict[str, Decimal] = field(default_factory=dict)
    refreshed_at: dt.datetime | None = None
    day: dt.date | None = None

    def get(self, metric: str) -> int | Decimal:
        value = self.values.get(metric, Decimal(0))
        return int(value) if METRICS.get(metric) is None or METRICS[metric].unit != "元" else value

    @property
    def n(self) -> dict[str, int | Decimal]:
        """Every metric as the template shows it: counts as int, yuan as Decimal (0 when absent)."""
        return {code: self.get(code) for code in METRICS}

    def rate(self, part: str, *whole: str) -> float | None:
        """100 * part / sum(whole) rounded to 0.1, or None when the whole is 0."""
        total = sum(self.values.get(w, Decimal(0)) for w in whole)
        return round(float(100 * self.values.get(part, Decimal(0)) / total), 1) if total else None

    # the rates the dashboard ranks by
    @property
    def coverage_rate(self) -> float | None:
        return self.rate("households_visited", "households_registered")

    @property
    def phase_coverage_rate(self) -> float | None:
        return self.rate("households_visited_in_phase", "households_registered")

    @property
    def on_time_rate(self) -> float | None:
        return self.rate("request_on_time", "request_on_time", "request_late")

    @property
    def needs_met_rate(self) -> float | None:
        return self.rate("needs_met", "needs_open", "needs_met")

    @property
    def patrol_rate(self) -> float | None:
        return self.rate("patrols_done", "patrols_required")

    @property
    def tasks_rate(self) -> float | None:
        return self.rate("tasks_done", "tasks_due")

    def add(self, other: Figures) -> None:
        for metric, value in other.values.items():
            self.values[metric] = self.values.get(metric, Decimal(0)) + value
        if other.refreshed_at and (self.refreshed_at is None or other.refreshed_at < self.refreshed_at):
            self.refreshed_at = other.refreshed_at  # a total is as fresh as its stalest part


def _latest_days(office_ids: list[int]) -> dict[int, dt.date]:
    rows = (RollupFigure.objects.filter(street_office_id__in=office_ids).values("street_office_id")
            .annotate(day=Max("day")).order_by())
    return {r["street_office_id"]: r["day"] for r in rows}


LATEST_SQL = """
SELECT f.street_office_id, f.metric, sum(f.value), max(f.refreshed_at), f.day
  FROM unnest(%s::bigint[]) AS o(id)
  CROSS JOIN LATERAL (SELECT max(day) AS day FROM rollup_rollupfigure WHERE street_office_id = o.id) AS latest
  JOIN rollup_rollupfigure f ON f.street_office_id = o.id AND f.day = latest.day
 GROUP BY f.street_office_id, f.metric, f.day
"""


def street_figures(*, offices) -> list[Figures]:
    """The latest figures of each street office given (StreetOffice rows), in the given order.

    One statement: per street its latest day (an index lookup, however long the history), then that
    day's rows summed over the street's communities."""
    from django.db import connection

    offices = list(offices)
    result = {o.pk: Figures(key=o.pk, name=o.name, slug=o.slug) for o in offices}
    if not offices:
        return []
    with connection.cursor() as cursor:
        cursor.execute(LATEST_SQL, [[o.pk for o in offices]])
        for office_id, metric, total, at, day in cursor.fetchall():
            figures = result[office_id]
            figures.values[metric] = total
            figures.day = day
            if figures.refreshed_at is None or at > figures.refreshed_at:
                figures.refreshed_at = at
    return [result[o.pk] for o in offices]


def district_total(rows: list[Figures], *, name: str = "合计") -> Figures:
    total = Figures(key=None, name=name)
    for row in rows:
        total.add(row)
    return total


def community_figures(*, office) -> list[Figures]:
    """The latest figures of one street office per community (the street-wide row last, named as the street)."""
    day = _latest_days([office.pk]).get(office.pk)
    if day is None:
        return []
    by_community: dict[int, Figures] = {}
    for row in (RollupFigure.objects.filter(street_office_id=office.pk, day=day)
                .values("community_id", "community_name", "metric", "value", "refreshed_at")
                .order_by("community_id")):
        figures = by_community.setdefault(row["community_id"], Figures(
            key=row["community_id"], name=row["community_name"], day=day, refreshed_at=row["refreshed_at"]))
        figures.values[row["metric"]] = row["value"]
    street = by_community.pop(STREET_WIDE, None)
    return sorted(by_community.values(), key=lambda f: f.name) + ([street] if street else [])


@dataclass(frozen=True)
class Series:
    """Daily values of some metrics: ``days`` (local dates) and ``values[metric][street]`` aligned to them."""

    days: list[dt.date]
    streets: list[tuple[int, str, str]]  # (id, slug, name)
    values: dict[str, dict[int, list[Decimal | None]]]


def district_series(*, offices, metrics: list[str], since: dt.date | None = None) -> Series:
    """Per street office and day, the sum over its communities of each metric (None on a day without rows)."""
    offices = list(offices)
    qs = RollupFigure.objects.filter(street_office_id__in=[o.pk for o in offices], metric__in=metrics)
    if since is not None:
        qs = qs.filter(day__gte=since)
    rows = list(qs.values("street_office_id", "day", "metric").annotate(total=Sum("value")).order_by("day"))
    days = sorted({r["day"] for r in rows})
    index = {d: i for i, d in enumerate(days)}
    values = {m: {o.pk: [None] * len(days) for o in offices} for m in metrics}
    for row in rows:
        values[row["metric"]][row["street_office_id"]][index[row["day"]]] = row["total"]
    return Series(days=days, streets=[(o.pk, o.slug, o.name) for o in offices], values=values)
