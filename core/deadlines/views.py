from __future__ import annotations

from django.shortcuts import render

from core.deadlines.durations import RULE_TEXT
from core.deadlines.selectors import GROUPS, MINE, REACH, deadline_counts, deadline_list, on_time_rates
from core.deadlines.subjects import kind_label, subject_url
from core.org.models import Community
from core.ui.decorators import member_required


def decorate(clocks):
    for clock in clocks:
        clock.url = subject_url(clock)
        clock.kind_label = kind_label(clock.kind)
    return clocks


def _rate_row(name: str, rate) -> dict:
    return {
        "name": name,
        "on_time": rate.on_time,
        "late": rate.late,
        "open_not_due": rate.open_not_due,
        "rate": rate.rate,
        "percent": round(rate.rate * 100, 1) if rate.rate is not None else None,
    }


SCOPE_LABELS = {"street": "全街道", "community": "本社区", "grid": "本网格", "district": "全区"}
GROUP_LABELS = [("overdue", "已超时"), ("due_soon", "即将到期"), ("on_track", "进行中"), ("met", "近两周已办结")]


def supervises(member) -> bool:
    """Supervisors (``deadline.supervise``) see the clocks of their whole reach beside their own."""
    return member.can("deadline.supervise")


@member_required("deadline.view")
def my_deadlines_page(request):
    """Summary first (counts per group, on-time rates of the reach), then one group, paginated."""
    from django.core.paginator import Paginator

    member = request.member
    scope = request.GET.get("scope", "")
    if scope not in (MINE, REACH) or (scope == REACH and not supervises(member)):
        scope = MINE
    counts = deadline_counts(member=member, scope=scope)
    if "scope" not in request.GET and supervises(member) and not any(counts[g] for g in GROUPS):
        # A supervisor with nothing of their own (a street leader) starts with the reach's clocks.
        scope, counts = REACH, deadline_counts(member=member, scope=REACH)
    group = request.GET.get("group", "")
    if group not in counts:
        group = next((g for g, _label in GROUP_LABELS if counts[g]), "overdue")
    page = Paginator(deadline_list(member=member, group=group, scope=scope), 25).get_page(request.GET.get("page"))
    decorate(page.object_list)
    if scope == REACH:
        from tenants.models import User

        ids = {c.responsible_user_id for c in page.object_list if c.responsible_user_id}
        names = {u.pk: u.display_name() for u in User.objects.filter(pk__in=ids)}
        for clock in page.object_list:
            clock.responsible_name = names.get(clock.responsible_user_id, "")
    names = dict(Community.objects.values_list("id", "name"))
    rates = on_time_rates(by="community", member=member)
    rows = [_rate_row(names.get(rate.key, "街道直办"), rate) for rate in rates]
    if len(rows) > 1:
        rows.append(_rate_row("合计", on_time_rates(by="street", member=member)[0]))
    return render(
        request,
        "deadlines/my_deadlines.html",
        {
            "chips": [(key, label, counts[key]) for key, label in GROUP_LABELS],
            "group": group,
            "group_label": dict(GROUP_LABELS)[group],
            "page": page,
            "scope": scope,
            "can_reach": supervises(member),
            "reach_label": SCOPE_LABELS.get(member.scope, ""),
            "rates": rows,
            "rule_text": RULE_TEXT,
        },
    )
