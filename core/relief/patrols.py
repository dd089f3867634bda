"""Street patrols (街面巡查): the street's schedule, patrol records with the persons met, and weekly
compliance as clocks.

Each ISO week (Monday to Sunday, Beijing time) is a ``PatrolWeek`` with a 'patrol_week' clock due at
the end of Sunday; the clock is met when the week's patrols reach the schedule's number (default two
a week, with the law-enforcement team 综合执法队). A week short of its schedule is an overdue clock
for the scanner like any other deadline.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit.services import audit_record, model_snapshot
from core.common import ensure_can
from core.deadlines.durations import LOCAL_TZ, end_of_local_day
from core.deadlines.services import clock_meet, clock_start
from core.org.models import Community
from core.registry.models import Person
from core.relief.models import EncounterAction, Patrol, PatrolEncounter, PatrolSchedule, PatrolWeek

CLOCK_PATROL_WEEK = "patrol_week"


def _name(actor) -> str:
    user = getattr(actor, "user", None)
    return user.display_name() if user else "系统"


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def patrol_schedule(*, now: dt.datetime | None = None) -> PatrolSchedule:
    """The street's schedule (defaults: two a week, with 综合执法队, assessed from the day it is first
    created — ``now``'s Beijing date) — created on first read."""
    schedule = PatrolSchedule.objects.order_by("id").first()
    if schedule is None:
        schedule = PatrolSchedule.objects.create(starts_on=(now or timezone.now()).astimezone(LOCAL_TZ).date())
    return schedule


def schedule_start_week(schedule: PatrolSchedule) -> dt.date:
    """The Monday of the first assessed week: the week of ``starts_on``; for a schedule from before
    that field existed, the first week anything was recorded (or created)."""
    if schedule.starts_on is not None:
        return week_start(schedule.starts_on)
    first = PatrolWeek.objects.order_by("week_start").values_list("week_start", flat=True).first()
    return first or week_start(schedule.updated_at.astimezone(LOCAL_TZ).date())


@transaction.atomic
def patrol_schedule_set(
    *, actor, per_week, with_enforcement: bool = True, areas: str = "", starts_on: dt.date | None = None
) -> PatrolSchedule:
    """Set patrols per week (1..21) from the next week on; the current week's clock keeps its number.
    ``starts_on`` (optional): the first day patrols are assessed (weeks before its week are not)."""
    ensure_can(actor, "patrol.schedule")
    if starts_on is not None and not isinstance(starts_on, dt.date):
        raise ValidationError({"starts_on": ["日期格式不正确 / invalid date"]})
    try:
        per_week = int(per_week)
    except (TypeError, ValueError):
        raise ValidationError({"per_week": ["请填写每周次数 / per_week must be a number"]}) from None
    if not 1 <= per_week <= 21:
        raise ValidationError({"per_week": ["每周巡查次数应在 1 到 21 之间 / per_week must be 1..21"]})
    schedule = PatrolSchedule.objects.select_for_update().filter(pk=patrol_schedule().pk).get()
    before = model_snapshot(schedule)
    schedule.per_week, schedule.with_enforcement, schedule.areas = per_week, bool(with_enforcement), (areas or "")[:300]
    if starts_on is not None:
        schedule.starts_on = starts_on
    schedule.save()
    audit_record(actor=actor, action="patrol.schedule", obj=schedule, before=before, after=model_snapshot(schedule))
    return schedule


@transaction.atomic
def patrol_week_ensure(*, day: dt.date, now: dt.datetime | None = None, actor=None) -> PatrolWeek:
    """The week containing ``day`` with its clock (created once, with the schedule's number then)."""
    start = week_start(day)
    week = PatrolWeek.objects.select_for_update().filter(week_start=start).first()
    if week is not None:
        return week
    schedule = patrol_schedule(now=now)
    PatrolWeek.objects.bulk_create([PatrolWeek(week_start=start, required=schedule.per_week)], ignore_conflicts=True)
    week = PatrolWeek.objects.select_for_update().get(week_start=start)
    from core.deadlines.services import clock_exists

    assessed = start >= schedule_start_week(schedule)  # no clock for a week before the schedule starts
    if assessed and not clock_exists(subject=week):
        started = dt.datetime.combine(start, dt.time(0, 0), tzinfo=LOCAL_TZ).astimezone(dt.UTC)
        due = end_of_local_day(start + dt.timedelta(days=6))
        clock_start(
            subject=week,
            kind=CLOCK_PATROL_WEEK,
            started_at=started,
            due_at=due,
            warn_at=end_of_local_day(start + dt.timedelta(days=4)),
            now=now,
            title=f"{start:%m月%d日}当周街面巡查 {week.required} 次",
            rule=f"每周 {week.required} 次（周日 23:59 前）",
            actor=actor,
        )
    return week


@transaction.atomic
def patrol_record(
    *,
    actor,
    started_at: dt.datetime,
    area: str,
    members: str,
    with_enforcement: bool = False,
    ended_at: dt.datetime | None = None,
    community_id: int | None = None,
    notes: str = "",
    encounters: list[dict] | tuple = (),
    now: dt.datetime | None = None,
) -> Patrol:
    """Record a patrol and the persons met (``encounters``: dicts with ``description``, ``place``,
    ``action`` (to_station / to_hospital / refused / sent_home / other), optional ``person_id`` and
    ``follow_up``). Counts toward its week; the week's clock is met when the schedule is reached."""
    ensure_can(actor, "patrol.create")
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if not isinstance(started_at, dt.datetime) or started_at.tzinfo is None:
        errors["started_at"] = ["请填写巡查时间 / started_at is required"]
    elif started_at > now + dt.timedelta(minutes=5):
        errors["started_at"] = ["巡查时间不能晚于当前时间 / started_at is in the future"]
    elif started_at < now - dt.timedelta(days=60):
        errors["started_at"] = ["巡查时间过早，请核对 / started_at is more than 60 days ago"]
    if ended_at is not None and isinstance(started_at, dt.datetime) and ended_at < started_at:
        errors["ended_at"] = ["结束时间早于开始时间 / ended_at is before started_at"]
    area, members = (area or "").strip(), (members or "").strip()
    if not area:
        errors["area"] = ["请填写巡查区域 / area is required"]
    if not members:
        errors["members"] = ["请填写巡查人员 / members are required"]
    community = None
    if community_id not in (None, ""):
        community = Community.objects.filter(pk=community_id).first()
        if community is None:
            errors["community_id"] = ["社区(村)不存在 / unknown community"]
    clean = []
    for i, raw in enumerate(encounters or []):
        description, place = (raw.get("description") or "").strip(), (raw.get("place") or "").strip()
        action = raw.get("action") or ""
        person = None
        if raw.get("person_id") not in (None, ""):
            person = Person.objects.filter(pk=raw["person_id"]).first()
            if person is None:
                errors[f"encounters.{i}.person_id"] = ["人员不存在 / unknown person"]
        if not description and person is None:
            errors[f"encounters.{i}.description"] = ["请描述人员特征（身份不明时）/ describe the person"]
        if not place:
            errors[f"encounters.{i}.place"] = ["请填写发现地点 / place is required"]
        if action not in EncounterAction.values:
            errors[f"encounters.{i}.action"] = ["请选择处置措施 / choose the action taken"]
        clean.append(
            dict(person=person, description=(description or (person.name if person else ""))[:300], place=place[:200],
                 action=action, follow_up=(raw.get("follow_up") or "").strip()[:300])
        )
    if errors:
        raise ValidationError(errors)
    patrol = Patrol.objects.create(
        started_at=started_at,
        ended_at=ended_at,
        area=area[:200],
        members=members[:300],
        with_enforcement=bool(with_enforcement),
        community=community,
        notes=(notes or "").strip(),
        recorded_by_id=getattr(getattr(actor, "user", None), "pk", None),
        recorded_by_name=_name(actor),
    )
    for row in clean:
        PatrolEncounter.objects.create(patrol=patrol, **row)
    day = started_at.astimezone(LOCAL_TZ).date()
    week = patrol_week_ensure(day=day, now=now, actor=actor)
    start = dt.datetime.combine(week.week_start, dt.time(0, 0), tzinfo=LOCAL_TZ)
    week.done = Patrol.objects.filter(started_at__gte=start, started_at__lt=start + dt.timedelta(days=7)).count()
    week.save(update_fields=["done"])
    if week.done >= week.required:
        clock_meet(subject=week, kind=CLOCK_PATROL_WEEK, at=min(started_at, now), actor=actor)
    audit_record(
        actor=actor, action="patrol.record", obj=patrol, after=model_snapshot(patrol) | {"encounters": len(clean)}
    )
    return patrol


WEEK_STATE_LABELS = {"met": "达标", "overdue": "未达标", "in_progress": "进行中"}


def patrol_compliance(*, now: dt.datetime, weeks: int = 8, until: dt.date | None = None) -> list[dict]:
    """Assessed weeks, newest first: at most ``weeks`` weeks up to the one containing ``until``
    (default: ``now``'s Beijing date), never a week that has not begun at ``now`` nor one before the
    schedule's start week (``schedule_start_week``).

    Each row: ``week_start``/``week_end`` (dates), ``required``, ``done``, ``short`` (counts),
    ``elapsed`` (its Sunday has passed at ``now``), ``state`` — "met" (done >= required),
    "overdue" (elapsed and short: failed) or "in_progress" (the current week, still short: not
    failed yet) — with ``state_label``, and the week clock's ``clock_state``/``clock_id`` (if any).
    """
    from core.deadlines.services import clocks_by_subject

    today = now.astimezone(LOCAL_TZ).date()
    current = week_start(today)
    last = min(week_start(until or today), current)
    schedule = patrol_schedule(now=now)
    first = schedule_start_week(schedule)
    starts = [s for s in (last - dt.timedelta(weeks=i) for i in range(weeks)) if s >= first]
    rows = {w.week_start: w for w in PatrolWeek.objects.filter(week_start__in=starts)}
    clocks = clocks_by_subject(subject_type="relief.patrolweek", subject_ids=[w.pk for w in rows.values()])
    result = []
    for start in starts:
        week = rows.get(start)
        required = week.required if week else schedule.per_week
        done = week.done if week else 0
        clock = clocks.get(week.pk) if week else None
        elapsed = start < current
        state = "met" if done >= required else ("overdue" if elapsed else "in_progress")
        result.append(
            {
                "week_start": start,
                "week_end": start + dt.timedelta(days=6),
                "required": required,
                "done": done,
                "short": max(0, required - done),
                "elapsed": elapsed,
                "state": state,
                "state_label": WEEK_STATE_LABELS[state],
                "clock_state": clock.state if clock else "",
                "clock_id": clock.pk if clock else None,
            }
        )
    return result
