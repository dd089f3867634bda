"""The monthly progress report (救助进展、整改情况), due by the 20th (plan 七: 每月20日前报送).

Figures are read live from the domains' selectors for the member's reach and the period; the
street's own narrative (``MonthlyNarrative``) is printed above them and signed off by the street.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from reports.kinds import Period, Report, ReportKind, _community_name, _document, register, report_month_of
from reports.pdf import Column
from tenants.members import Member

REQUEST_CLOCK_KINDS = ["respond", "handle", "feedback"]


@dataclass
class Figure:
    section: str
    label: str
    value: str


def _rate(on_time: int, late: int) -> str:
    total = on_time + late
    return f"{100.0 * on_time / total:.1f}%" if total else "—"


def monthly_figures(*, member: Member, period: Period, community_id: int | None, now: dt.datetime) -> list[Figure]:
    """Every figure of the monthly report, in the order printed."""
    from core.deadlines.selectors import on_time_rates
    from core.inspections.selectors import coverage, need_list, problem_list
    from core.rectification.selectors import RectificationFilters, rectification_list
    from core.requests.selectors import request_list

    figures: list[Figure] = []
    tree = coverage(member=member)
    scope = tree
    if community_id:
        scope = next((c for c in tree.children if c.key == community_id), None) or type(tree)(community_id, "")
    figures += [
        Figure("排查覆盖", "登记困难群众户数", f"{scope.registered} 户"),
        Figure("排查覆盖", "排查期内已走访户数", f"{scope.covered} 户"),
        Figure("排查覆盖", "覆盖率", f"{scope.percent}%"),
    ]

    def in_period(qs, field="created_at"):
        qs = qs.filter(**{f"{field}__gte": period.start, f"{field}__lt": period.end})
        return qs.filter(household__community_id=community_id) if community_id else qs

    needs = in_period(need_list(member=member)).aggregate(
        total=Count("id"), met=Count("id", filter=Q(status="met")), open=Count("id", filter=Q(status__in=["open", "in_progress"]))
    )
    all_needs = need_list(member=member)
    if community_id:
        all_needs = all_needs.filter(household__community_id=community_id)
    met_in_period = all_needs.filter(status="met", updated_at__gte=period.start, updated_at__lt=period.end).count()
    figures += [
        Figure("需求满足", "本期新登记过冬需求", f"{needs['total']} 条"),
        Figure("需求满足", "本期已满足需求（含往期登记）", f"{met_in_period} 条"),
        Figure("需求满足", "尚待解决需求（全部）", f"{all_needs.filter(status__in=['open', 'in_progress']).count()} 条"),
    ]
    problems = in_period(problem_list(member=member)).aggregate(
        total=Count("id"), resolved=Count("id", filter=Q(status="resolved"))
    )
    figures += [
        Figure("问题整改", "本期排查发现问题", f"{problems['total']} 个"),
        Figure("问题整改", "其中已整改", f"{problems['resolved']} 个"),
    ]
    requests = request_list(member=member).filter(received_at__gte=period.start, received_at__lt=period.end)
    if community_id:
        requests = requests.filter(community_id=community_id)
    by_status = requests.aggregate(total=Count("id"), closed=Count("id", filter=Q(status="closed")))
    rates = on_time_rates(by="street", now=now, kinds=REQUEST_CLOCK_KINDS, since=period.start, member=member)
    rate = rates[0] if rates else None
    figures += [
        Figure("诉求办理", "本期受理诉求", f"{by_status['total']} 件"),
        Figure("诉求办理", "其中已办结", f"{by_status['closed']} 件"),
        Figure("诉求办理", "响应、处置、反馈按时率", _rate(rate.on_time, rate.late) if rate else "—"),
    ]
    figures += _relief_figures(member=member, period=period, community_id=community_id, now=now)
    items = rectification_list(member=member, filters=RectificationFilters(status="all", community_id=community_id))
    made = items.filter(created_at__gte=period.start, created_at__lt=period.end).count()
    confirmed = items.filter(lookback_at__gte=period.start, lookback_at__lt=period.end, status="confirmed").count()
    overdue = items.filter(next_due_at__lt=now).count()
    relapsed = items.filter(relapse_count__gt=0).count()
    figures += [
        Figure("整改情况", "本期新增整改事项", f"{made} 项"),
        Figure("整改情况", "本期回头看通过", f"{confirmed} 项"),
        Figure("整改情况", "当前超期未整改", f"{overdue} 项"),
        Figure("整改情况", "出现反弹的事项（累计）", f"{relapsed} 项"),
    ]
    return figures


def _relief_figures(*, member: Member, period: Period, community_id: int | None, now: dt.datetime) -> list[Figure]:
    """Relief given in the period (plan 五(三)): cases accepted and approved with their amounts in yuan
    (Decimal, to the fen), payments made, and — street-wide — patrol weeks short of the schedule:
    only weeks of the period that have ended at ``now`` are assessed (the current week is "进行中",
    later ones have not happened)."""
    from decimal import Decimal

    from django.db.models import Sum

    from core.relief.patrols import patrol_compliance
    from core.relief.selectors import CaseFilters, case_list, payment_list

    cases = case_list(member=member, filters=CaseFilters(status="all"))
    payments = payment_list(member=member)
    if community_id:
        cases = cases.filter(community_id=community_id)
        payments = payments.filter(household__community_id=community_id)
    accepted = cases.filter(accepted_at__gte=period.start, accepted_at__lt=period.end).count()
    approved = cases.filter(decided_at__gte=period.start, decided_at__lt=period.end,
                            status__in=["approved", "delivered", "closed"])
    approved_sum = approved.aggregate(total=Sum("amount_approved"))["total"] or Decimal("0")
    paid = payments.filter(paid_on__gte=period.first, paid_on__lte=period.last).aggregate(
        n=Count("id"), total=Sum("paid_amount"))
    figures = [
        Figure("救助开展", "本期受理救助申请", f"{accepted} 件"),
        Figure("救助开展", "本期批准救助", f"{approved.count()} 件，{approved_sum:.2f} 元"),
        Figure("救助开展", "本期发放保障金", f"{paid['n']} 笔，{(paid['total'] or Decimal('0')):.2f} 元"),
    ]
    if not community_id:
        weeks = [w for w in patrol_compliance(weeks=8, now=now, until=period.last)
                 if period.first <= w["week_end"] <= period.last]
        elapsed = [w for w in weeks if w["elapsed"]]
        short = sum(1 for w in elapsed if w["state"] == "overdue")
        running = "，本周进行中" if any(not w["elapsed"] for w in weeks) else ""
        figures.append(Figure("街面巡查", "本期巡查周数 / 未达标周数", f"{len(elapsed)} / {short}{running}"))
    return figures


FIGURE_COLUMNS = [Column("类别", 20), Column("指标", 55), Column("数值", 25, "right")]


def build_monthly_progress(*, member: Member, period: Period, community_id: int | None, now: dt.datetime, **_) -> Report:
    from reports.models import MonthlyNarrative

    # The narrative of the reporting month the period ends in (the 21st-to-20th month, plan 七).
    key = report_month_of(period.last)
    narrative = MonthlyNarrative.objects.filter(period=key, community_id=community_id).first()
    figures = monthly_figures(member=member, period=period, community_id=community_id, now=now)
    sections = [("一、工作开展情况", narrative.narrative if narrative and narrative.narrative else "（未填写）")]
    signature = []
    if narrative and narrative.signed_off_at:
        from reports.kinds import LOCAL, _cn_date

        signature = [f"签发人：{narrative.signed_off_by_name}", f"审核日期：{_cn_date(narrative.signed_off_at.astimezone(LOCAL).date())}"]
    document = _document(
        member, f"{key[:4]}年{int(key[5:])}月困难群众温暖过冬工作进展情况", period, now=now,
        community_name=_community_name(member, community_id), landscape=False,
        sections=sections + [("二、主要数据", "")], columns=FIGURE_COLUMNS,
        rows=[[f.section, f.label, f.value] for f in figures], signature=signature,
    )
    return Report(document, "月度进展")


register(ReportKind("monthly_progress", "月度进展报告", build_monthly_progress, landscape=False,
                    submit_levels=("community", "street")))
