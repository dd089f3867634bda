"""The clock engine: start, meet, cancel, and the state a clock is in at a given time.

The scanner (periodic task), working-day arithmetic and escalation build on these functions;
no module computes a deadline or a clock state anywhere else.
"""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction
from django.utils import timezone

from core.audit.services import audit_record
from core.deadlines.durations import (
    LOCAL_TZ,
    WORKING_DAYS,
    ByDate,
    Duration,
    WorkCalendar,
    due_after,
    working_days_missing_years,
)
from core.deadlines.models import OPEN_STATES, Clock, ClockState


def subject_key(subject: models.Model) -> tuple[str, int]:
    return subject._meta.label_lower, int(subject.pk)


def clock_overdue(*, due_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether an open obligation due at ``due_at`` is overdue at ``now`` — the engine's one rule
    (the same as ``clock_state_at``), for pages that show a subject's next deadline."""
    return due_at is not None and now >= due_at


def clock_state_at(clock: Clock, now: dt.datetime) -> str:
    """The state a clock is in at ``now`` (pure; the scanner persists it)."""
    if clock.state == ClockState.CANCELLED:
        return ClockState.CANCELLED
    if clock.met_at is not None:
        return ClockState.MET_ON_TIME if clock.met_at <= clock.due_at else ClockState.MET_LATE
    if now >= clock.due_at:
        return ClockState.OVERDUE
    if now >= clock.warn_at:
        return ClockState.DUE_SOON
    return ClockState.ON_TRACK


@transaction.atomic
def clock_start(
    *,
    subject: models.Model,
    kind: str,
    due_at: dt.datetime | None = None,
    duration: Duration | None = None,
    by_date: ByDate | None = None,
    calendar: WorkCalendar | None = None,
    warn_at: dt.datetime | None = None,
    started_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    responsible_user_id: int | None = None,
    community_id: int | None = None,
    grid_id: int | None = None,
    title: str = "",
    rule: str = "",
    actor=None,
) -> Clock:
    """Start a clock (a new round if this subject already had one of this kind).

    Give one of ``due_at`` (a fixed moment, never re-timed), a ``duration`` (hours or working days
    from ``started_at``) or ``by_date`` (a date, moved to a working day), the last two on
    ``calendar``. A calendar-computed deadline is kept with the clock so that any calendar change
    re-times it (:func:`clocks_retime_for_calendar`); one that needs a year ``calendar`` does not hold
    is provisional: the clock records the missing years and the responsible person and the district
    admins are told. Raises ValueError for an unknown kind or a deadline not after ``started_at``.
    """
    from core.deadlines.subjects import KIND_LABELS

    if kind not in KIND_LABELS:
        raise ValueError(
            f"unknown clock kind {kind!r}: register it in the domain's deadlines.py "
            "(core.deadlines.subjects.clock_subject_register)"
        )
    now = now or timezone.now()
    started_at = started_at or now
    missing: list[int] = []
    if sum(x is not None for x in (due_at, duration, by_date)) != 1:
        raise ValueError("give one of due_at, duration or by_date")
    if duration is not None:
        calendar = calendar or WorkCalendar()
        due_at = due_after(started_at, duration, calendar)
        rule = rule or duration.label
        if duration.unit == WORKING_DAYS:
            missing = working_days_missing_years(started_at, due_at, calendar)
    if by_date is not None:
        calendar = calendar or WorkCalendar()
        due_at = by_date.due_at(calendar)
        rule = rule or by_date.label
        missing = by_date.missing_years(calendar)
    if due_at <= started_at:
        raise ValueError("due_at must be after started_at")
    if warn_at is None:
        # Warn when 80% of the time has passed (at least 15 minutes before the deadline).
        span = due_at - started_at
        warn_at = min(started_at + span * 0.8, due_at - min(span, dt.timedelta(minutes=15)))
    subject_type, subject_id = subject_key(subject)
    previous = (
        Clock.objects.filter(subject_type=subject_type, subject_id=subject_id, kind=kind)
        .order_by("-round")
        .first()
    )
    clock = Clock(
        subject_type=subject_type,
        subject_id=subject_id,
        kind=kind,
        round=(previous.round + 1) if previous else 1,
        title=title[:200],
        responsible_user_id=responsible_user_id,
        community_id=community_id,
        grid_id=grid_id,
        started_at=started_at,
        warn_at=warn_at,
        due_at=due_at,
        rule=rule,
        duration_amount=duration.amount if duration is not None else None,
        duration_unit=duration.unit if duration is not None else "",
        due_on=by_date.day if by_date is not None else None,
        due_lead_working_days=by_date.lead_working_days if by_date is not None else 0,
        calendar_missing=_years_text(missing),
    )
    clock.state = clock_state_at(clock, now)
    if clock.state == ClockState.DUE_SOON:
        clock.state = ClockState.ON_TRACK  # the scanner turns it due-soon and tells the responsible person
    if clock.state == ClockState.OVERDUE:
        clock.next_escalation_at = now  # started late: the scanner tells the responsible person at once
    clock.save()
    audit_record(
        actor=actor,
        action="clock.start",
        obj=clock,
        after={"kind": kind, "due_at": due_at, "warn_at": warn_at, "subject": f"{subject_type}#{subject_id}"},
    )
    if missing:
        _tell_calendar_missing(clock, missing, now)
    return clock


def _years_text(years: list[int]) -> str:
    return ",".join(str(y) for y in years)


def _tell_calendar_missing(clock: Clock, years: list[int], now: dt.datetime) -> None:
    """A provisional clock: its responsible person (once per clock) and the district admins (once per
    year and district) learn which calendar year is missing."""
    from core.deadlines.subjects import subject_url
    from core.notifications.services import notify
    from tenants.models import Membership
    from tenants.selectors import current_street_office

    office = current_street_office()
    text = "、".join(f"{y}年" for y in years)
    due_local = clock.due_at.astimezone(LOCAL_TZ).strftime("%m-%d %H:%M")
    if clock.responsible_user_id:
        notify(
            user_ids=[clock.responsible_user_id],
            kind="clock.provisional",
            title=f"时限为暂估：{text}工作日日历未载入（{clock.title or clock.kind} 暂定 {due_local} 截止）",
            body="区民政局载入该年日历后，时限将自动重新计算。",
            url=subject_url(clock),
            dedupe_key=f"clock:{clock.pk}:provisional:{clock.calendar_missing}",
            now=now,
        )
    if office is not None and office.district_id:
        admins = Membership.objects.filter(
            district_id=office.district_id, role="district_admin", is_active=True
        ).values_list("user_id", flat=True)
        for year in years:
            notify(
                user_ids=set(admins),
                kind="calendar.missing",
                title=f"请载入{year}年工作日日历：已有按工作日计算的时限跨入{year}年，目前为暂估",
                body="在“工作方案 → 工作日日历”导入该年的节假日与调休安排，相关时限将自动重新计算。",
                url="/campaign/calendar/",
                dedupe_key=f"calendar:{office.district_id}:missing:{year}",
                now=now,
            )


def _set_due(clock: Clock, due_at: dt.datetime, now: dt.datetime) -> None:
    """Move a clock's deadline (warn point at 80% again; state and escalation follow)."""
    before_state = clock.state
    span = due_at - clock.started_at
    clock.due_at = due_at
    clock.warn_at = min(clock.started_at + span * 0.8, due_at - min(span, dt.timedelta(minutes=15)))
    clock.state = clock_state_at(clock, now)
    if clock.state != ClockState.OVERDUE:
        clock.escalation_level, clock.next_escalation_at = 0, None
    elif before_state != ClockState.OVERDUE:
        clock.next_escalation_at = now


@transaction.atomic
def clocks_retime_for_calendar(
    *, calendar: WorkCalendar, reason: str, actor=None, now: dt.datetime | None = None
) -> list[Clock]:
    """Re-time every open clock of the current schema (one street office) whose deadline was computed
    on the calendar — working-day durations and deadlines set by a date (``ByDate``) — on ``calendar``
    (the district's calendar changed: a holiday, a make-up day or a whole year was added or removed).

    Each moved clock is audited (``clock.retime`` with ``reason``); when a deadline moves earlier its
    responsible person is told. Clocks whose calendar years are now all loaded stop being
    provisional; clocks that still cross a missing year stay provisional. Returns the clocks changed.
    """
    now = now or timezone.now()
    changed = []
    clocks = Clock.objects.select_for_update().filter(
        models.Q(duration_unit=WORKING_DAYS, duration_amount__isnull=False) | models.Q(due_on__isnull=False),
        state__in=OPEN_STATES,
    )
    for clock in clocks.order_by("pk"):
        due_at, missing = _calendar_due(clock, calendar)
        if due_at <= clock.started_at:  # the new calendar leaves no time at all: due at the start
            due_at = clock.started_at + dt.timedelta(seconds=1)
        if due_at == clock.due_at and missing == clock.calendar_missing:
            continue
        before = {"due_at": clock.due_at, "state": clock.state, "calendar_missing": clock.calendar_missing}
        _set_due(clock, due_at, now)
        clock.calendar_missing = missing
        clock.save()
        audit_record(
            actor=actor,
            action="clock.retime",
            obj=clock,
            before=before,
            after={"due_at": clock.due_at, "state": clock.state, "calendar_missing": missing},
            reason=reason,
        )
        if due_at < before["due_at"] and clock.responsible_user_id:
            _tell_moved_earlier(clock, before["due_at"], now)
        changed.append(clock)
    return changed


def _calendar_due(clock: Clock, calendar: WorkCalendar) -> tuple[dt.datetime, str]:
    """(deadline, missing years text) of a calendar-computed clock on ``calendar``."""
    if clock.due_on is not None:
        by_date = ByDate(clock.due_on, clock.due_lead_working_days)
        return by_date.due_at(calendar), _years_text(by_date.missing_years(calendar))
    due_at = due_after(clock.started_at, Duration(clock.duration_amount, WORKING_DAYS), calendar)
    return due_at, _years_text(working_days_missing_years(clock.started_at, due_at, calendar))


def _tell_moved_earlier(clock: Clock, old_due: dt.datetime, now: dt.datetime) -> None:
    from core.deadlines.subjects import subject_url
    from core.notifications.services import notify

    def local(value: dt.datetime) -> str:
        return value.astimezone(LOCAL_TZ).strftime("%m-%d %H:%M")

    notify(
        user_ids=[clock.responsible_user_id],
        kind="clock.moved_earlier",
        title=f"时限提前：{clock.title or clock.kind} 由 {local(old_due)} 提前至 {local(clock.due_at)}",
        body="区民政局调整了工作日日历（节假日或调休），该时限已按新日历重新计算。",
        url=subject_url(clock),
        dedupe_key=f"clock:{clock.pk}:earlier:{clock.due_at.isoformat()}",
        now=now,
    )


def clock_open(*, subject: models.Model, kind: str) -> Clock | None:
    subject_type, subject_id = subject_key(subject)
    return (
        Clock.objects.select_for_update()
        .filter(subject_type=subject_type, subject_id=subject_id, kind=kind, state__in=OPEN_STATES)
        .order_by("-round")
        .first()
    )


@transaction.atomic
def clock_meet(
    *, subject: models.Model, kind: str, at: dt.datetime | None = None, actor=None
) -> Clock | None:
    """Mark the open clock of this kind met at ``at``; returns it (None if no clock was open)."""
    clock = clock_open(subject=subject, kind=kind)
    if clock is None:
        return None
    before = clock.state
    clock.met_at = at or timezone.now()
    clock.state = clock_state_at(clock, clock.met_at)
    clock.next_escalation_at = None
    clock.save(update_fields=["met_at", "state", "next_escalation_at", "updated_at"])
    audit_record(
        actor=actor,
        action="clock.meet",
        obj=clock,
        before={"state": before},
        after={"state": clock.state, "met_at": clock.met_at},
    )
    return clock


@transaction.atomic
def clock_cancel(*, subject: models.Model, kind: str, reason: str, actor=None) -> Clock | None:
    clock = clock_open(subject=subject, kind=kind)
    if clock is None:
        return None
    before = clock.state
    clock.state = ClockState.CANCELLED
    clock.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=actor,
        action="clock.cancel",
        obj=clock,
        before={"state": before},
        after={"state": clock.state},
        reason=reason,
    )
    return clock


@transaction.atomic
def clock_retime(
    *,
    subject: models.Model,
    kind: str,
    due_at: dt.datetime | None = None,
    duration: Duration | None = None,
    by_date: ByDate | None = None,
    calendar: WorkCalendar | None = None,
    rule: str = "",
    actor=None,
    now: dt.datetime | None = None,
) -> Clock | None:
    """Move the deadline of the open clock (a policy date changed, a time limit was extended); the
    scanner takes it from there. Give one of ``due_at`` (fixed from now on), ``duration`` (counted
    again from the clock's start) or ``by_date``, as for :func:`clock_start`; the last two stay
    calendar-computed, so later calendar changes keep re-timing the clock. Returns the open clock
    (None when there is none)."""
    if sum(x is not None for x in (due_at, duration, by_date)) != 1:
        raise ValueError("give one of due_at, duration or by_date")
    clock = clock_open(subject=subject, kind=kind)
    if clock is None:
        return None
    calendar = calendar or WorkCalendar()
    missing: list[int] = []
    if duration is not None:
        due_at = due_after(clock.started_at, duration, calendar)
        if duration.unit == WORKING_DAYS:
            missing = working_days_missing_years(clock.started_at, due_at, calendar)
    elif by_date is not None:
        due_at, missing = by_date.due_at(calendar), by_date.missing_years(calendar)
    timing = {
        "duration_amount": duration.amount if duration is not None else None,
        "duration_unit": duration.unit if duration is not None else "",
        "due_on": by_date.day if by_date is not None else None,
        "due_lead_working_days": by_date.lead_working_days if by_date is not None else 0,
        "calendar_missing": _years_text(missing),
    }
    if rule or duration is not None or by_date is not None:
        timing["rule"] = rule or (duration or by_date).label
    if clock.due_at == due_at and all(getattr(clock, k) == v for k, v in timing.items()):
        return clock
    before = {"due_at": clock.due_at, "state": clock.state}
    _set_due(clock, due_at, now or timezone.now())
    for name, value in timing.items():
        setattr(clock, name, value)
    clock.save()
    audit_record(
        actor=actor,
        action="clock.retime",
        obj=clock,
        before=before,
        after={"due_at": clock.due_at, "state": clock.state},
    )
    return clock


@transaction.atomic
def clock_reassign(*, subject: models.Model, user_id: int, actor=None) -> int:
    """Give every open clock of ``subject`` to ``user_id`` (the subject changed hands). Returns how many."""
    subject_type, subject_id = subject_key(subject)
    clocks = list(
        Clock.objects.select_for_update()
        .filter(subject_type=subject_type, subject_id=subject_id, state__in=OPEN_STATES)
        .exclude(responsible_user_id=user_id)
    )
    for clock in clocks:
        before = clock.responsible_user_id
        clock.responsible_user_id = user_id
        clock.save(update_fields=["responsible_user_id", "updated_at"])
        audit_record(
            actor=actor,
            action="clock.reassign",
            obj=clock,
            before={"responsible_user_id": before},
            after={"responsible_user_id": user_id},
        )
    return len(clocks)


# --- look-ups: the only reads of clock rows outside the engine's own selectors ----------------------
def clocks_of(subject: models.Model, *, order: tuple[str, ...] = ("started_at", "kind", "round")) -> list[Clock]:
    """Every clock of ``subject``, oldest first by default (kind, round, state, due and met times)."""
    subject_type, subject_id = subject_key(subject)
    return list(Clock.objects.filter(subject_type=subject_type, subject_id=subject_id).order_by(*order))


def clock_exists(*, subject: models.Model) -> bool:
    """Whether ``subject`` has any clock (open or not) — e.g. to start a subject's clock only once."""
    subject_type, subject_id = subject_key(subject)
    return Clock.objects.filter(subject_type=subject_type, subject_id=subject_id).exists()


def clock_open_kinds(*, subject: models.Model) -> set[str]:
    """The kinds of ``subject``'s open clocks."""
    subject_type, subject_id = subject_key(subject)
    return set(
        Clock.objects.filter(subject_type=subject_type, subject_id=subject_id, state__in=OPEN_STATES).values_list(
            "kind", flat=True
        )
    )


def clocks_by_subject(*, subject_type: str, subject_ids: list[int]) -> dict[int, Clock]:
    """The latest-round clock of each of these subjects (``app_label.model`` ids), by subject id."""
    found: dict[int, Clock] = {}
    for clock in Clock.objects.filter(subject_type=subject_type, subject_id__in=subject_ids).order_by("round", "id"):
        found[clock.subject_id] = clock
    return found


def clock_next_open(*, subject_type: str, field: str) -> models.Subquery:
    """For annotating a list of subjects (``.annotate(next_due_at=clock_next_open(..., field="due_at"))``):
    ``field`` of the subject's open clock due first (None when none is open)."""
    clocks = Clock.objects.filter(
        subject_type=subject_type, subject_id=models.OuterRef("pk"), state__in=OPEN_STATES
    ).order_by("due_at", "id")
    return models.Subquery(clocks.values(field)[:1])


def clock_first(*, subject: models.Model, kind: str) -> Clock | None:
    """The first round's clock of this kind (e.g. to keep an original deadline when a step repeats)."""
    subject_type, subject_id = subject_key(subject)
    return (
        Clock.objects.filter(subject_type=subject_type, subject_id=subject_id, kind=kind).order_by("round").first()
    )
