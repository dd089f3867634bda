"""The district summary across all its street offices (区级汇总), and the district's view of what the
streets hand up. Reads each street through the domains' selectors inside that street's schema
(reports may switch schemas). The figures come from the same aggregation as the district rollup
(``core.rollup.metrics``), narrowed to the report's period.
"""

from __future__ import annotations

import datetime as dt

from django_tenants.utils import tenant_context

from reports.kinds import Period, Report, ReportKind, _document, register
from reports.pdf import Column
from tenants.members import Member

SUMMARY_COLUMNS = [
    Column("街道", 12), Column("登记户数", 7, "right"), Column("已走访", 7, "right"), Column("覆盖率", 7, "right"),
    Column("新增需求", 7, "right"), Column("已满足", 7, "right"), Column("发现问题", 7, "right"),
    Column("已整改", 7, "right"), Column("受理诉求", 7, "right"), Column("按时率", 7, "right"),
    Column("整改中", 7, "right"), Column("反弹", 6, "right"), Column("月报", 10, "center"),
]


def street_figures(*, member: Member, office, period: Period, now: dt.datetime) -> list[str]:
    """One row of the district summary: the street's figures by the one aggregation of the district
    rollup (``core.rollup.metrics.street_metrics``), flows narrowed to the period, and its monthly report."""
    from core.rollup.metrics import street_metrics
    from reports.models import Submission

    m = street_metrics(office=office, now=now, since=period.start, until=period.end)
    n = {code: int(m.total(code)) for code in (
        "households_registered", "households_visited", "needs_raised", "needs_met", "problems_found",
        "problems_fixed", "requests_received", "request_on_time", "request_late", "rectifications_open",
        "rectifications_relapsed")}
    with tenant_context(office):
        monthly = Submission.objects.filter(kind="monthly_progress", level="street", period=f"{period.last:%Y-%m}").first()
    total = n["request_on_time"] + n["request_late"]
    if monthly is None or monthly.status == Submission.Status.DRAFT:
        report = "未报"
    else:
        report = ("按时" if monthly.on_time else "迟报") + ("·已审" if monthly.status == "accepted" else "")
    registered, covered = n["households_registered"], n["households_visited"]
    return [
        office.name, str(registered), str(covered),
        f"{round(100.0 * covered / registered, 1) if registered else 100.0}%", str(n["needs_raised"]),
        str(n["needs_met"]), str(n["problems_found"]), str(n["problems_fixed"]), str(n["requests_received"]),
        f"{100.0 * n['request_on_time'] / total:.1f}%" if total else "—", str(n["rectifications_open"]),
        str(n["rectifications_relapsed"]), report,
    ]


def build_district_summary(*, member: Member, period: Period, now: dt.datetime, **_) -> Report:
    from tenants.models import StreetOffice

    rows = [street_figures(member=member, office=o, period=period, now=now)
            for o in StreetOffice.objects.filter(district=member.district).order_by("name")]
    if rows:
        sums = [sum(int(r[i]) for r in rows) for i in range(1, 11) if i not in (3, 9)]
        registered, covered = sums[0], sums[1]
        rows.append(["合计", str(registered), str(covered),
                     f"{round(100.0 * covered / registered, 1) if registered else 100.0}%", *map(str, sums[2:7]), "",
                     str(sum(int(r[10]) for r in rows)), str(sum(int(r[11]) for r in rows)), ""])
    document = _document(member, f"{member.district.name}困难群众温暖过冬工作汇总表", period, now=now,
                         columns=SUMMARY_COLUMNS, rows=rows,
                         note="按时率：诉求响应、处置、反馈时限中按时完成的比例（超期未完成计为超时）。")
    document.issuer = f"{member.district.name}民政局"
    return Report(document, "区级汇总")


register(ReportKind("district_summary", "区级汇总表", build_district_summary, site="district"))
