"""The street home (工作台): what needs the member's attention now, each card only for roles that may see it.

Reads only through the domain selectors, so every number is already scoped to the member's reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from tenants.members import Member


@dataclass
class Card:
    title: str
    url: str
    figures: list[tuple[str, int | str, str]] = field(default_factory=list)  # (label, value, tone)
    progress: int | None = None  # percent, for coverage


SCOPE_NAMES = {"street": "全街道", "community": "本社区", "district": "全区"}


def _deadlines(member: Member) -> Card:
    """A supervisor (street or community scope) sees the state of the whole reach and the escalations
    waiting for them; everybody else their own clocks."""
    from core.deadlines.selectors import MINE, REACH, deadline_counts

    if member.can("deadline.supervise"):
        from core.notifications.models import Notification

        counts = deadline_counts(member=member, scope=REACH)
        escalations = Notification.objects.filter(
            user_id=member.user.pk, street_office_id=getattr(member.street_office, "pk", None),
            kind="escalated", read_at__isnull=True,
        ).count()
        return Card(
            f"{SCOPE_NAMES.get(member.scope, '')}时限",
            reverse("my_deadlines") + "?scope=reach",
            [("已超时", counts["overdue"], "bad" if counts["overdue"] else ""),
             ("即将到期", counts["due_soon"], "warn" if counts["due_soon"] else ""),
             ("未读督办", escalations, "bad" if escalations else "")],
        )
    counts = deadline_counts(member=member, scope=MINE)
    return Card(
        "我的时限",
        reverse("my_deadlines"),
        [("已超时", counts["overdue"], "bad" if counts["overdue"] else ""),
         ("即将到期", counts["due_soon"], "warn" if counts["due_soon"] else ""),
         ("进行中", counts["on_track"], "")],
    )


def _coverage(member: Member) -> Card:
    from core.inspections.selectors import coverage

    tree = coverage(member=member)
    percent = round(tree.covered * 100 / tree.registered) if tree.registered else 0
    url = (
        reverse("inspections:my_grid")
        if member.can("visit.create") and member.grid_id
        else reverse("inspections:coverage")
    )
    return Card(
        "排查覆盖",
        url,
        [("累计覆盖", tree.covered, "ok" if tree.covered else ""), ("待走访", tree.remaining, "warn" if tree.remaining else ""),
         ("按期", tree.on_time, ""), ("逾期补访", tree.late, "")],
        progress=percent,
    )


def _requests(member: Member) -> Card:
    from core.requests.selectors import request_counts

    counts = request_counts(member=member)
    return Card(
        "诉求",
        reverse("request_board"),
        [("待响应", counts["received"], "bad" if counts["received"] else ""), ("待处置", counts["responded"], "warn" if counts["responded"] else ""),
         ("待反馈", counts["handled"], "")],
    )


def _rectifications(member: Member) -> Card:
    from core.rectification.selectors import rectification_summary

    summary = rectification_summary(member=member)
    return Card(
        "整改",
        reverse("rectification_ledger"),
        [("整改中", summary["open"], "warn" if summary["open"] else ""), ("待验收", summary["fixed"], ""), ("反弹", summary["relapses"],
                                                                             "bad" if summary["relapses"] else "")],
    )


def _relief(member: Member) -> Card:
    from core.relief.selectors import cases_waiting_on, overdue_relief_clocks

    waiting = len(cases_waiting_on(member=member))
    overdue = overdue_relief_clocks(member=member).count()
    return Card(
        "救助",
        reverse("relief:cases"),
        [("待我办理", waiting, "warn" if waiting else ""), ("救助时限超时", overdue, "bad" if overdue else "")],
    )


CARDS = [
    ("deadline.view", _deadlines),
    ("coverage.view", _coverage),
    ("request.view", _requests),
    ("rectification.view", _rectifications),
    ("relief.view", _relief),
]


def street_dashboard(member: Member) -> list[Card]:
    return [build(member) for action, build in CARDS if member.can(action)]
