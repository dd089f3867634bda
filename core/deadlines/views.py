from __future__ import annotations

from django.shortcuts import render

from core.deadlines.durations import RULE_TEXT
from core.deadlines.escalation import KIND_LABELS
from core.deadlines.scanner import subject_url
from core.deadlines.selectors import my_deadlines, on_time_rates
from core.org.models import Community
from core.ui.decorators import member_required


def decorate(clocks):
    for clock in clocks:
        clock.url = subject_url(clock)
        clock.kind_label = KIND_LABELS.get(clock.kind, clock.kind)
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


@member_required("deadline.view")
def my_deadlines_page(request):
    groups = my_deadlines(member=request.member)
    labels = [
        ("overdue", "已超时"),
        ("due_soon", "即将到期"),
        ("on_track", "进行中"),
        ("met", "近两周已办结"),
    ]
    names = dict(Community.objects.values_list("id", "name"))
    rates = on_time_rates(by="community", member=request.member)
    rows = [_rate_row(names.get(rate.key, "街道直办"), rate) for rate in rates]
    if len(rows) > 1:
        rows.append(_rate_row("合计", on_time_rates(by="street", member=request.member)[0]))
    return render(
        request,
        "deadlines/my_deadlines.html",
        {
            "groups": [(key, label, decorate(groups[key])) for key, label in labels],
            "rates": rows,
            "rule_text": RULE_TEXT,
        },
    )
