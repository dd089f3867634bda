"""The scanner: every minute, find clocks that change state, persist it, tell and escalate.

Idempotent under repetition and concurrency: rows are claimed with SELECT ... FOR UPDATE SKIP
LOCKED and changed only from the state they were read in, inside one transaction with the
notifications they cause; a notification's dedupe key makes a second write impossible anyway.
Pass ``now`` to run it at any moment (tests freeze time this way).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from core.deadlines.escalation import KIND_LABELS, TIER_LABELS, TOP_TIER, StreetPeople, escalation_step
from core.deadlines.models import Clock, ClockState
from tenants.models import PUBLIC_SCHEMA, StreetOffice

logger = logging.getLogger("nuandong.deadlines")
SUBJECT_URLS = {
    "requests.citizenrequest": "/requests/{id}/",
    "rectification.rectification": "/rectifications/{id}/",
    "campaigns.deliverablecheck": "/campaign/",
    "inspections.need": "/needs/#need-{id}",
}


def subject_url(clock: Clock) -> str:
    template = SUBJECT_URLS.get(clock.subject_type)
    return template.format(id=clock.subject_id) if template else "/deadlines/"


def _describe(clock: Clock) -> str:
    return f"{clock.title or clock.subject_type}（{KIND_LABELS.get(clock.kind, clock.kind)}时限 {clock.rule}）".strip()


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


def clock_scan(*, now: dt.datetime | None = None, batch: int = 500, schemas: list[str] | None = None) -> dict:
    """Scan every street office (or only those ``schemas``). Returns counts of what changed."""
    now = now or timezone.now()
    totals = {"due_soon": 0, "overdue": 0, "escalated": 0, "streets": 0}
    offices = StreetOffice.objects.exclude(schema_name=PUBLIC_SCHEMA).select_related("district")
    if schemas is not None:
        offices = offices.filter(schema_name__in=schemas)
    for office in offices:
        with tenant_context(office):
            counts = clock_scan_street(office=office, now=now, batch=batch)
        for key, value in counts.items():
            totals[key] += value
        totals["streets"] += 1
    return totals


def clock_scan_street(
    *, office: StreetOffice, now: dt.datetime, batch: int = 500, ensure_deliverables: bool = True
) -> dict:
    """Scan one street office (call inside its schema)."""
    if ensure_deliverables and office.district_id:
        from core.campaigns.services import deliverable_checks_ensure

        deliverable_checks_ensure(office=office, now=now)
    people = StreetPeople.load(office)
    counts = {"due_soon": 0, "overdue": 0, "escalated": 0}
    while (n := _turn_due_soon(people, now, batch)) > 0:
        counts["due_soon"] += n
        if n < batch:
            break
    while (n := _turn_overdue(people, now, batch)) > 0:
        counts["overdue"] += n
        if n < batch:
            break
    for _pass in range(TOP_TIER + 1):  # a scanner that was down catches up one tier per pass
        n = _escalate(people, now, batch)
        counts["escalated"] += n
        if n == 0:
            break
    return counts


@transaction.atomic
def _turn_due_soon(people: StreetPeople, now: dt.datetime, batch: int) -> int:
    from core.notifications.services import Draft, notify_many

    clocks = list(
        Clock.objects.select_for_update(skip_locked=True)
        .filter(state=ClockState.ON_TRACK, warn_at__lte=now, due_at__gt=now)
        .order_by("warn_at")[:batch]
    )
    if not clocks:
        return 0
    Clock.objects.filter(pk__in=[c.pk for c in clocks], state=ClockState.ON_TRACK).update(
        state=ClockState.DUE_SOON, updated_at=now
    )
    drafts = [
        Draft(
            user_id=clock.responsible_user_id,
            kind="due_soon",
            title=f"即将到期：{_describe(clock)}",
            body=f"截止时间 {_local(clock.due_at)}",
            url=subject_url(clock),
            dedupe_key=f"clock:{clock.pk}:due_soon",
        )
        for clock in clocks
        if clock.responsible_user_id
    ]
    notify_many(drafts, now=now, street_office=people.office)
    return len(clocks)


@transaction.atomic
def _turn_overdue(people: StreetPeople, now: dt.datetime, batch: int) -> int:
    from core.notifications.services import notify_many

    clocks = list(
        Clock.objects.select_for_update(skip_locked=True)
        .filter(state__in=[ClockState.ON_TRACK, ClockState.DUE_SOON], due_at__lte=now)
        .order_by("due_at")[:batch]
    )
    drafts = []
    for clock in clocks:
        clock.state = ClockState.OVERDUE
        clock.escalation_level = 0
        drafts += _step_up(people, clock, now, overdue=True)
    Clock.objects.bulk_update(clocks, ["state", "escalation_level", "next_escalation_at", "updated_at"])
    notify_many(drafts, now=now, street_office=people.office)
    return len(clocks)


@transaction.atomic
def _escalate(people: StreetPeople, now: dt.datetime, batch: int) -> int:
    from core.notifications.services import notify_many

    clocks = list(
        Clock.objects.select_for_update(skip_locked=True)
        .filter(state=ClockState.OVERDUE, next_escalation_at__lte=now)
        .order_by("next_escalation_at")[:batch]
    )
    drafts = []
    for clock in clocks:
        drafts += _step_up(people, clock, now, overdue=clock.escalation_level == 0)
    Clock.objects.bulk_update(clocks, ["escalation_level", "next_escalation_at", "updated_at"])
    notify_many(drafts, now=now, street_office=people.office)
    return len(clocks)


def _step_up(people: StreetPeople, clock: Clock, now: dt.datetime, *, overdue: bool) -> list:
    """Climb one tier (the first step also tells the responsible person it is overdue); returns the drafts."""
    from core.notifications.services import Draft

    key = f"clock:{clock.pk}"
    url = subject_url(clock)
    drafts = []
    if overdue and clock.responsible_user_id:
        drafts.append(
            Draft(
                user_id=clock.responsible_user_id,
                kind="overdue",
                url=url,
                title=f"已超时：{_describe(clock)}",
                body=f"截止时间 {_local(clock.due_at)}，请尽快办理",
                dedupe_key=f"{key}:overdue",
            )
        )
    level, tier, users = people.escalate_to(clock, clock.escalation_level + 1)
    users.discard(clock.responsible_user_id or -1)
    drafts += [
        Draft(
            user_id=user_id,
            kind="escalated",
            url=url,
            title=f"超时督办（{TIER_LABELS[tier]}）：{_describe(clock)}",
            body=f"截止时间 {_local(clock.due_at)} 已过，责任人尚未办结。",
            dedupe_key=f"{key}:escalate:{level}",
        )
        for user_id in sorted(users)
    ]
    clock.escalation_level = level
    clock.updated_at = now
    if tier >= TOP_TIER:
        clock.next_escalation_at = None
    else:
        clock.next_escalation_at = clock.due_at + escalation_step(clock.started_at, clock.due_at) * level
    return drafts
