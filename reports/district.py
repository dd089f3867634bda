"""The district summary across all its street offices (区级汇总), and the district's view of what the
streets hand up. Reads each street through the domains' selectors inside that street's schema
(reports may switch schemas; the district rollup of issue 15 will replace the loop for the dashboard).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
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
    """One row of the district summary, computed inside the street's schema."""
    from core.deadlines.selectors import on_time_rates
    from core.inspections.selectors import coverage, need_list, problem_list
    from core.rectification.selectors import rectification_summary
    from core.requests.selectors import request_list
    from reports.models import Submission

    with tenant_context(office):
        tree = coverage(member=member)
        needs = need_list(member=member).filter(created_at__gte=period.start, created_at__lt=period.end).aggregate(
            total=Count("id"), met=Count("id", filter=Q(status="met")))
        problems = problem_list(member=member).filter(created_at__gte=period.start, created_at__lt=period.end).aggregate(
            total=Count("id"), resolved=Count("id", filter=Q(status="resolved")))
        requests = request_list(member=member).filter(received_at__gte=period.start, received_at__lt=period.end).count()
        rate = on_time_rates(by="street", now=now, kinds=["respond", "handle", "feedback"], since=period.start,
                             member=member)[0]
        rect = rectification_summary(member=member)
        monthly = Submission.objects.filter(kind="monthly_progress", level="street", period=f"{period.last:%Y-%m}").first()
    total = rate.on_time + rate.late
    if monthly is None or monthly.status == Submission.Status.DRAFT:
        report = "未报"
    else:
        report = ("按时" if monthly.on_time else "迟报") + ("·已审" if monthly.status == "accepted" else "")
    return [
        office.name, str(tree.registered), str(tree.covered), f"{tree.percent}%", str(needs["total"]),
        str(needs["met"]), str(problems["total"]), str(problems["resolved"]), str(requests),
        f"{100.0 * rate.on_time / total:.1f}%" if total else "—", str(rect["open"] + rect["fixed"]),
        str(rect["relapses"]), report,
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
