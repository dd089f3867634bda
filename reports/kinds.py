"""The reports Nuandong produces, each a builder over the domains' selectors (never their models).

A builder takes the member who asks (reach and masking follow the member), the period and an
optional community, and returns a ``Report``: the document for the PDF and the rows for Excel.
Sources: the plan's 六 (工作要求: 两本台账, 月度报送) and 七 (时间安排: 每月20日前报送进展).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone

from reports.pdf import Column, PdfDocument
from tenants.members import Member

LOCAL = ZoneInfo("Asia/Shanghai")


@dataclass
class Period:
    """A period of whole local days, both ends inclusive."""

    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time.min, tzinfo=LOCAL)

    @property
    def end(self) -> dt.datetime:  # exclusive
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time.min, tzinfo=LOCAL)

    def label(self) -> str:
        return f"{_cn_date(self.first)}至{_cn_date(self.last)}"


# --- the reporting month (one definition: pages, API, PDFs, submissions) ---------------------------
# Plan 七 (时间安排): progress is reported by the 20th of each month, so the month "2026-12" covers
# 2026-11-21 .. 2026-12-20 (both inclusive, Beijing days); the 21st starts the next month's period.
REPORT_MONTH_CUTOFF = 20
REPORT_MONTH_EARLIEST = 2020  # no campaign of this product before then
_MONTH_KEY = re.compile(r"[0-9]{4}-[0-9]{2}")  # ASCII digits only (a URL part and a stored key)


def report_month(key: str) -> Period:
    """``"2026-12"`` -> Period(2026-11-21, 2026-12-20). Raises ValueError for a malformed key."""
    if not isinstance(key, str) or not _MONTH_KEY.fullmatch(key):
        raise ValueError(f"not a YYYY-MM period: {key!r}")
    year, month = int(key[:4]), int(key[5:])
    last = dt.date(year, month, REPORT_MONTH_CUTOFF)  # ValueError for month 0 / 13
    first = (last.replace(day=1) - dt.timedelta(days=1)).replace(day=REPORT_MONTH_CUTOFF + 1)
    return Period(first, last)


def report_month_of(day: dt.date) -> str:
    """The reporting month a local day belongs to: 2026-12-20 -> "2026-12", 2026-12-21 -> "2027-01"."""
    if day.day > REPORT_MONTH_CUTOFF:
        day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return f"{day:%Y-%m}"


def period_label(kind: str, key: str) -> str:
    """How people name a submission period: "2026年12月（11月21日至12月20日）", "排查阶段"."""
    if key == "inspection":
        return "排查阶段"
    try:
        month = report_month(key)
    except ValueError:
        return key
    return f"{key[:4]}年{int(key[5:])}月（{month.first.month}月{month.first.day}日至{month.last.month}月{month.last.day}日）"


def period_may_begin(first: dt.date, *, now: dt.datetime, district) -> bool:
    """A period may be written or reported on once it has begun, or ahead of time inside the
    district's active campaign (the plan is known in advance); never a period after the campaign."""
    if first <= now.astimezone(LOCAL).date():
        return True
    if district is None:
        return False
    from core.campaigns.services import campaign_ensure

    return first <= campaign_ensure(district).ends_on


def report_month_check(key: str, *, now: dt.datetime, district) -> Period:
    """A reporting month a user may write or submit for: well-formed, not before 2020, and begun
    (or inside the district's campaign, see ``period_may_begin``).

    Raises django ValidationError {"period": ...} (Chinese / English) otherwise.
    """
    from django.core.exceptions import ValidationError

    try:
        period = report_month(key)
    except ValueError:
        raise ValidationError({"period": "期次格式应为 YYYY-MM / period must be YYYY-MM"}) from None
    if period.last.year < REPORT_MONTH_EARLIEST:
        raise ValidationError({"period": "期次过早 / period too early"})
    if not period_may_begin(period.first, now=now, district=district):
        raise ValidationError({"period": "该期次尚未开始 / this period has not begun"})
    return period


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _local(value: dt.datetime | None) -> str:
    return value.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if value else ""


@dataclass
class Report:
    document: PdfDocument
    sheet_title: str

    @property
    def header(self) -> list[str]:
        return [c.title for c in self.document.columns]

    @property
    def rows(self):
        return self.document.rows


@dataclass
class Masker:
    """What a report may show of a person for the member who generates it (docs/security.md).

    Roles without ``household.view`` (district roles reading a street) get names reduced to the
    family name and addresses to their first part; ID numbers never appear in ledgers at all.
    """

    full: bool

    def name(self, text: str) -> str:
        if self.full or not text:
            return text
        return text[0] + "*" * (len(text) - 1)

    def address(self, text: str) -> str:
        if self.full or not text:
            return text
        return text[: max(2, len(text) // 3)] + "***"


def masker_for(member: Member) -> Masker:
    return Masker(full=member.can("household.view"))


@dataclass
class ReportKind:
    key: str
    title: str
    build: Callable[..., Report]
    landscape: bool = True
    site: str = "street"  # "street" or "district"
    submit_levels: tuple[str, ...] = field(default_factory=tuple)  # where it is handed up (报送)


KINDS: dict[str, ReportKind] = {}


def register(kind: ReportKind) -> ReportKind:
    KINDS[kind.key] = kind
    return kind


def _document(member: Member, title: str, period: Period, *, now: dt.datetime, community_name: str = "", **kw) -> PdfDocument:
    office = member.street_office.name if member.street_office else (member.district.name if member.district else "")
    if office.endswith("街道"):
        office += "办事处"
    issuer = f"{office}{community_name}" if community_name else office
    return PdfDocument(
        issuer=issuer,
        title=title,
        period=period.label(),
        generated_on=_cn_date(now.astimezone(LOCAL).date()),
        **kw,
    )


def _community_name(member: Member, community_id: int | None) -> str:
    if not community_id:
        return ""
    from core.org.scope import communities_in_reach

    community = communities_in_reach(member).filter(pk=community_id).first()
    return community.name if community else ""


# --- 困难群众过冬需求台账 ------------------------------------------------------------------------
NEED_COLUMNS = [
    Column("序号", 4, "center"), Column("社区", 8), Column("网格", 7), Column("住址", 14), Column("人员", 7),
    Column("需求类型", 7), Column("数量", 4, "right"), Column("紧急程度", 6), Column("说明", 17),
    Column("状态", 6), Column("登记时间", 11), Column("走访人", 9),
]


def build_needs_ledger(*, member: Member, period: Period, community_id: int | None, now: dt.datetime, **_) -> Report:
    from core.inspections.selectors import need_list

    qs = need_list(member=member).filter(created_at__gte=period.start, created_at__lt=period.end)
    if community_id:
        qs = qs.filter(household__community_id=community_id)
    mask = masker_for(member)
    needs = list(qs.order_by("household__community_id", "household__grid_id", "created_at", "id"))
    rows = [
        [
            str(i), n.household.community.name, n.household.grid.name, mask.address(str(n.household)),
            mask.name(n.person.name) if n.person else "", n.get_need_type_display(), str(n.quantity),
            n.get_urgency_display(), n.description, n.get_status_display(), _local(n.created_at),
            n.visit.visitor_name if n.visit else "",
        ]
        for i, n in enumerate(needs, start=1)
    ]
    # Counted by the stored status, never by its (translatable) label.
    met = sum(1 for n in needs if n.status == "met")
    document = _document(
        member, "困难群众过冬需求台账", period, now=now, community_name=_community_name(member, community_id),
        columns=NEED_COLUMNS, rows=rows, summary=[("需求", f"{len(rows)} 条"), ("已解决", f"{met} 条")],
        note="" if mask.full else "按查看人角色，姓名、住址已部分遮蔽。",
    )
    return Report(document, "需求台账")


# --- 问题台账 --------------------------------------------------------------------------------------
PROBLEM_COLUMNS = [
    Column("序号", 4, "center"), Column("社区", 8), Column("网格", 7), Column("住址", 13), Column("排查项", 8),
    Column("问题描述", 16), Column("责任人", 6), Column("整改时限", 10), Column("状态", 5),
    Column("整改完成", 10), Column("发现时间", 8), Column("整改编号", 5),
]


def build_problem_ledger(*, member: Member, period: Period, community_id: int | None, now: dt.datetime, **_) -> Report:
    from core.inspections.selectors import problem_list

    qs = problem_list(member=member).filter(created_at__gte=period.start, created_at__lt=period.end)
    if community_id:
        qs = qs.filter(household__community_id=community_id)
    mask = masker_for(member)
    rows = []
    for i, p in enumerate(qs.order_by("household__community_id", "household__grid_id", "created_at", "id"), start=1):
        rectification = getattr(p, "rectification", None)
        rows.append([
            str(i), p.household.community.name, p.household.grid.name, mask.address(str(p.household)),
            p.get_item_display(), p.description, p.responsible_name, _local(p.due_at), p.get_status_display(),
            _local(p.resolved_at), _local(p.created_at)[:10], getattr(rectification, "number", "") or "",
        ])
    resolved = sum(1 for r in rows if r[9])
    document = _document(
        member, "问题台账", period, now=now, community_name=_community_name(member, community_id),
        columns=PROBLEM_COLUMNS, rows=rows, summary=[("问题", f"{len(rows)} 个"), ("已整改", f"{resolved} 个")],
        note="" if mask.full else "按查看人角色，住址已部分遮蔽。",
    )
    return Report(document, "问题台账")


# --- 整改台账 --------------------------------------------------------------------------------------
RECTIFICATION_COLUMNS = [
    Column("编号", 9), Column("来源", 7), Column("社区", 8), Column("网格", 7), Column("问题", 20),
    Column("责任人", 6), Column("状态", 8), Column("整改完成", 10), Column("验收", 10), Column("回头看", 10),
    Column("反弹", 5, "right"),
]


def build_rectification_ledger(*, member: Member, period: Period, community_id: int | None, now: dt.datetime, **_) -> Report:
    from core.rectification.selectors import RectificationFilters, rectification_list

    qs = rectification_list(member=member, filters=RectificationFilters(status="all", community_id=community_id))
    qs = qs.filter(created_at__gte=period.start, created_at__lt=period.end).order_by("created_at", "id")
    rows = [
        [
            r.number or "", r.get_source_type_display(), r.community.name, r.grid.name if r.grid_id else "",
            r.title, r.responsible_name, r.get_status_display(), _local(r.fixed_at), _local(r.verified_at),
            _local(r.lookback_at), str(r.relapse_count),
        ]
        for r in qs
    ]
    document = _document(
        member, "整改台账", period, now=now, community_name=_community_name(member, community_id),
        columns=RECTIFICATION_COLUMNS, rows=rows,
        summary=[("整改事项", f"{len(rows)} 项"), ("回头看通过", f"{sum(1 for r in rows if r[6] == '回头看通过')} 项"),
                 ("反弹", f"{sum(int(r[10]) for r in rows)} 次")],
    )
    return Report(document, "整改台账")


register(ReportKind("needs_ledger", "困难群众过冬需求台账", build_needs_ledger, submit_levels=("community", "street")))
register(ReportKind("problem_ledger", "问题台账", build_problem_ledger, submit_levels=("community", "street")))
register(ReportKind("rectification_ledger", "整改台账", build_rectification_ledger))


def now_utc() -> dt.datetime:
    return timezone.now()


def load_all() -> None:
    """Import every module that registers report kinds (called by the app's ready())."""
    from reports import district, monthly  # noqa: F401
