"""The one aggregation of a street office's figures (区级汇总口径), shared by the district rollup and the
district report (``reports.district``): what each metric counts, computed per community inside the
street's schema.

``street_metrics(office=, now=, since=, until=)`` returns ``StreetMetrics``: ``{community_id:
{metric: Decimal}}`` (community 0 = the street as a whole, see ``core.rollup.models``) plus the
communities' names. Every metric is a count of rows, or yuan (``*_yuan``, Decimal with 2 places).
``since`` / ``until`` (aware UTC, half-open) narrow the *flow* metrics (needs raised, problems found,
requests received and their on-time clocks) to what arose in a period; stock metrics (households,
coverage, rectifications, relief, patrols, phase tasks) are always as of ``now``.

Providers: the domains' metrics are defined here (this package sits on top of the domains); a
composer above adds its own with ``register_provider`` from its ``AppConfig.ready`` (reports adds the
reports handed up on time / late / missing). Sources of the rules: coverage — ADR 0016 (phase and
so far); on-time rate — DESIGN.md "Deadlines engine" (open-but-overdue counts late).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, Least
from django_tenants.utils import tenant_context

from core.rollup.models import STREET_WIDE

REQUEST_CLOCKS = ("respond", "handle", "feedback")
LOCAL = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Metric:
    code: str
    label: str  # Chinese, shown in tables and chart legends
    unit: str = "户"  # 户 / 件 / 次 / 项 / 元


METRICS: dict[str, Metric] = {}


def _metric(code: str, label: str, unit: str = "件") -> None:
    METRICS[code] = Metric(code, label, unit)


for _code, _label, _unit in (
    ("households_registered", "登记户数", "户"),
    ("households_visited", "已走访（累计）", "户"),
    ("households_visited_in_phase", "排查阶段内走访", "户"),
    ("needs_raised", "提出需求", "件"),
    ("needs_open", "需求待解决", "件"),
    ("needs_met", "需求已解决", "件"),
    ("problems_found", "发现问题", "件"),
    ("problems_open", "问题待解决", "件"),
    ("problems_fixed", "问题已解决", "件"),
    ("requests_received", "受理诉求", "件"),
    ("requests_open", "诉求未办结", "件"),
    ("request_clocks_on_track", "诉求时限·进行中", "项"),
    ("request_clocks_due_soon", "诉求时限·即将到期", "项"),
    ("request_clocks_overdue", "诉求时限·已超时", "项"),
    ("request_clocks_met_on_time", "诉求时限·按时完成", "项"),
    ("request_clocks_met_late", "诉求时限·超时完成", "项"),
    ("request_on_time", "诉求按时", "项"),
    ("request_late", "诉求超时（含超时未办）", "项"),
    ("clocks_overdue", "超时未办结（全部时限）", "项"),
    ("rectifications_open", "整改中", "件"),
    ("rectifications_overdue", "整改超时", "件"),
    ("rectifications_relapsed", "整改反弹", "件"),
    ("relief_cases", "救助案件", "件"),
    ("relief_cases_open", "救助办理中", "件"),
    ("relief_approved_yuan", "批准救助金额", "元"),
    ("relief_paid_yuan", "已发放救助金", "元"),
    ("patrols_required", "应巡查", "次"),
    ("patrols_done", "已巡查", "次"),
    ("tasks_due", "阶段任务·已到期", "项"),
    ("tasks_done", "阶段任务·已完成", "项"),
):
    _metric(_code, _label, _unit)


@dataclass(frozen=True)
class Window:
    """What a provider is asked for: one street office (its schema is active), the time, an optional period."""

    office: object
    now: dt.datetime
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def flow(self, field_name: str) -> Q:
        """Rows whose ``field_name`` lies in [since, until) (everything when neither is given)."""
        q = Q()
        if self.since is not None:
            q &= Q(**{f"{field_name}__gte": self.since})
        if self.until is not None:
            q &= Q(**{f"{field_name}__lt": self.until})
        return q


# A provider yields (community_id, metric, value); community_id None is read as STREET_WIDE.
Provider = Callable[[Window], Iterable[tuple[int | None, str, int | Decimal]]]
PROVIDERS: list[Provider] = []


def register_provider(provider: Provider, *, metrics: Iterable[tuple[str, str, str]] = ()) -> Provider:
    """Add a provider (idempotent) and the metrics it yields as (code, Chinese label, unit)."""
    for code, label, unit in metrics:
        _metric(code, label, unit)
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)
    return provider


def _grouped(qs, community: str, **aggregates) -> Iterable[tuple[int | None, str, int | Decimal]]:
    for row in qs.values(community).annotate(**aggregates).order_by(community):
        for code in aggregates:
            yield row[community], code, row[code]


def street_reader(office):
    """The whole-street, read-only reader the rollup computes as (a district viewer of this street)."""
    from tenants.members import Member
    from tenants.roles import DISTRICT_VIEWER

    return Member(user=None, role=DISTRICT_VIEWER, membership_id=0, district=office.district,
                  street_office=office, read_only=True)


# --- the domains' providers -----------------------------------------------------------------------
def households(w: Window):
    from core.inspections.selectors import coverage

    tree = coverage(member=street_reader(w.office))
    for community in tree.children:
        yield community.key, "households_registered", community.registered
        yield community.key, "households_visited", community.covered
        yield community.key, "households_visited_in_phase", community.on_time


def needs_and_problems(w: Window):
    from core.inspections.models import Need, Problem

    yield from _grouped(
        Need.objects.filter(w.flow("created_at")), "household__community_id",
        needs_raised=Count("id", filter=~Q(status=Need.Status.CANCELLED)),
        needs_open=Count("id", filter=Q(status__in=[Need.Status.OPEN, Need.Status.IN_PROGRESS])),
        needs_met=Count("id", filter=Q(status=Need.Status.MET)),
    )
    yield from _grouped(
        Problem.objects.filter(w.flow("created_at")), "household__community_id",
        problems_found=Count("id"),
        problems_open=Count("id", filter=Q(status=Problem.Status.OPEN)),
        problems_fixed=Count("id", filter=Q(status=Problem.Status.RESOLVED)),
    )


def requests(w: Window):
    from core.deadlines.models import ClockState
    from core.deadlines.selectors import clocks_where, deadline_group_q, on_time_rates
    from core.requests.models import CitizenRequest, RequestStatus

    yield from _grouped(
        CitizenRequest.objects.filter(w.flow("received_at")), "community_id",
        requests_received=Count("id"),
        requests_open=Count("id", filter=~Q(status=RequestStatus.CLOSED)),
    )
    clocks = clocks_where(kinds=REQUEST_CLOCKS, exclude_cancelled=True)
    if w.since is not None:
        clocks = clocks.filter(due_at__gte=w.since)
    if w.until is not None:
        clocks = clocks.filter(started_at__lt=w.until)
    yield from _grouped(
        clocks, "community_id",
        request_clocks_on_track=Count("id", filter=deadline_group_q("on_track", w.now)),
        request_clocks_due_soon=Count("id", filter=deadline_group_q("due_soon", w.now)),
        request_clocks_overdue=Count("id", filter=deadline_group_q("overdue", w.now)),
        request_clocks_met_on_time=Count("id", filter=Q(state=ClockState.MET_ON_TIME)),
        request_clocks_met_late=Count("id", filter=Q(state=ClockState.MET_LATE)),
    )
    for rate in on_time_rates(by="community", now=w.now, kinds=list(REQUEST_CLOCKS), since=w.since):
        yield rate.key, "request_on_time", rate.on_time
        yield rate.key, "request_late", rate.late
    yield from _grouped(
        clocks_where(overdue_at=w.now), "community_id",
        clocks_overdue=Count("id"),
    )


def rectifications(w: Window):
    from core.deadlines.selectors import clocks_where
    from core.rectification.models import Rectification, RectificationStatus

    yield from _grouped(
        Rectification.objects.all(), "community_id",
        rectifications_open=Count("id", filter=Q(status__in=[RectificationStatus.OPEN, RectificationStatus.FIXED])),
        rectifications_relapsed=Count("id", filter=Q(relapse_count__gt=0)),
    )
    yield from _grouped(
        clocks_where(subject_type=Rectification._meta.label_lower, overdue_at=w.now),
        "community_id",
        rectifications_overdue=Count("subject_id", distinct=True),
    )


def relief(w: Window):
    from core.relief.models import CaseStatus, Payment, ReliefCase

    decided = [CaseStatus.APPROVED, CaseStatus.DELIVERED, CaseStatus.CLOSED]
    finished = [*decided, CaseStatus.REFUSED, CaseStatus.WITHDRAWN]
    yield from _grouped(
        ReliefCase.objects.exclude(status=CaseStatus.WITHDRAWN), "community_id",
        relief_cases=Count("id"),
        relief_cases_open=Count("id", filter=~Q(status__in=finished)),
        relief_approved_yuan=Coalesce(Sum("amount_approved", filter=Q(status__in=decided)), Decimal("0")),
    )
    yield from _grouped(
        Payment.objects.all(), "household__community_id",
        relief_paid_yuan=Coalesce(Sum("paid_amount"), Decimal("0")),
    )


def patrols(w: Window):
    from core.relief.models import PatrolWeek

    today = w.now.astimezone(LOCAL).date()
    row = PatrolWeek.objects.filter(week_start__lte=today).aggregate(
        required_n=Coalesce(Sum("required"), 0), done_n=Coalesce(Sum(Least(F("done"), F("required"))), 0)
    )
    yield STREET_WIDE, "patrols_required", row["required_n"]
    yield STREET_WIDE, "patrols_done", row["done_n"]


def phase_tasks(w: Window):
    from core.campaigns.selectors import street_checks

    checks = list(street_checks(office=w.office).values("due_at", "done_at"))
    yield STREET_WIDE, "tasks_due", sum(1 for c in checks if c["due_at"] <= w.now)
    yield STREET_WIDE, "tasks_done", sum(1 for c in checks if c["done_at"] is not None)


for _provider in (households, needs_and_problems, requests, rectifications, relief, patrols, phase_tasks):
    register_provider(_provider)


# --- the computation --------------------------------------------------------------------------------
@dataclass
class StreetMetrics:
    """``values[community_id][metric]`` (Decimal) and ``names[community_id]``; ``total(metric)`` sums the street."""

    values: dict[int, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    names: dict[int, str] = field(default_factory=dict)

    def total(self, metric: str) -> Decimal:
        return sum((row.get(metric, Decimal(0)) for row in self.values.values()), Decimal(0))


def street_metrics(*, office, now: dt.datetime, since: dt.datetime | None = None,
                   until: dt.datetime | None = None) -> StreetMetrics:
    """Every registered metric of one street office, per community, computed inside its schema.

    Every community of the street gets every metric (0 when nothing counts), so a community with no
    activity still shows; a metric no community holds is 0 for the street as a whole."""
    from core.org.models import Community

    window = Window(office=office, now=now, since=since, until=until)
    result = StreetMetrics()
    with tenant_context(office):
        result.names = dict(Community.objects.order_by("sort_order", "name").values_list("id", "name"))
        for community_id in result.names:
            result.values[community_id] = {}
        result.values[STREET_WIDE] = {}
        for provider in PROVIDERS:
            for community_id, code, value in provider(window):
                key = STREET_WIDE if community_id is None else community_id
                row = result.values.setdefault(key, {})
                row[code] = row.get(code, Decimal(0)) + Decimal(value or 0)
    seen = {code for row in result.values.values() for code in row}
    for community_id, row in result.values.items():
        for code in METRICS:
            if community_id != STREET_WIDE or code not in seen:
                row.setdefault(code, Decimal(0))
    result.names[STREET_WIDE] = office.name
    return result
