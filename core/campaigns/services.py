"""Writes and policy look-ups of the campaign: defaults from the plan, calendar, SLA, deliverables."""

from __future__ import annotations

import csv
import datetime as dt
from calendar import monthrange
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from core.audit.services import audit_record, model_snapshot
from core.campaigns.models import (
    SLA_KINDS,
    SLA_LABELS,
    CalendarDay,
    Campaign,
    Deliverable,
    DeliverableCheck,
    Phase,
    StreetSla,
    TrainingAttendance,
)
from core.deadlines.durations import LOCAL_TZ, ByDate, Duration, WorkCalendar
from core.once.unique import unique_messages
from core.plausible import ensure_plausible
from tenants.models import District, Membership, StreetOffice
from tenants.roles import COMMUNITY_DIRECTOR, COMMUNITY_WORKER, GRID_WORKER, STREET_STAFF

DEFAULT_CALENDAR = Path(__file__).resolve().parent / "data" / "holidays-cn-2026.csv"
ATTENDANCE_ROLES = (COMMUNITY_WORKER, COMMUNITY_DIRECTOR, GRID_WORKER)


# --- working-day calendar ----------------------------------------------------------------------
def calendar_for(district: District | None) -> WorkCalendar:
    """The district's working-day calendar (weekday rule plus its holidays and make-up days); a year
    with at least one calendar day counts as loaded (``WorkCalendar.years``)."""
    if district is None:
        return WorkCalendar()
    days = list(CalendarDay.objects.filter(district=district).values_list("date", "kind"))
    return WorkCalendar(
        holidays=frozenset(d for d, k in days if k == CalendarDay.Kind.HOLIDAY),
        workdays=frozenset(d for d, k in days if k == CalendarDay.Kind.WORKDAY),
        years=frozenset(d.year for d, _k in days),
    )


def calendar_parse_csv(text: str) -> list[tuple[dt.date, str, str]]:
    """Rows of a calendar CSV (``date,kind,name``; lines starting with # are comments).

    Raises ValidationError listing every bad row, so nothing is imported from a half-good file.
    """
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(lines)
    if reader.fieldnames is None or not {"date", "kind"} <= {f.strip() for f in reader.fieldnames}:
        raise ValidationError({"file": ["缺少表头 date,kind,name / the header must be date,kind,name"]})
    rows, errors, seen = [], [], set()
    for number, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        try:
            day = dt.date.fromisoformat(row.get("date", ""))
        except ValueError:
            errors.append(
                f"第{number}行：日期格式应为 2026-01-01 / row {number}: bad date {row.get('date')!r}"
            )
            continue
        kind = row.get("kind", "")
        if kind not in CalendarDay.Kind.values:
            errors.append(
                f"第{number}行：类型应为 holiday 或 workday / row {number}: kind must be holiday or workday"
            )
            continue
        if day in seen:
            errors.append(f"第{number}行：日期重复 / row {number}: duplicate date {day}")
            continue
        seen.add(day)
        rows.append((day, kind, row.get("name", "")[:60]))
    if errors:
        raise ValidationError({"file": errors})
    return rows


@transaction.atomic
def calendar_import(*, district: District, text: str, actor=None) -> dict:
    """Import calendar days from CSV text; a date already present is replaced. All or nothing."""
    rows = calendar_parse_csv(text)
    for day, _kind, _name in rows:
        ensure_plausible(file=day)
    created = updated = 0
    for day, kind, name in rows:
        _obj, was_created = CalendarDay.objects.update_or_create(
            district=district, date=day, defaults={"kind": kind, "name": name}
        )
        created += was_created
        updated += not was_created
    years = sorted({d.year for d, _k, _n in rows})
    audit_record(
        actor=actor,
        action="calendar.import",
        obj=district,
        after={"created": created, "updated": updated, "years": years},
    )
    retimed = calendar_retime_clocks(
        district=district, actor=actor, reason=f"导入{'、'.join(map(str, years))}年日历 / calendar imported"
    )
    return {"created": created, "updated": updated, "years": years, "retimed": retimed}


@unique_messages
@transaction.atomic
def calendar_day_set(
    *, district: District, date: dt.date, kind: str, name: str = "", actor=None
) -> CalendarDay:
    if kind not in CalendarDay.Kind.values:
        raise ValidationError({"kind": ["类型应为节假日或调休上班 / kind must be holiday or workday"]})
    ensure_plausible(date=date)
    day, _created = CalendarDay.objects.update_or_create(
        district=district, date=date, defaults={"kind": kind, "name": name.strip()[:60]}
    )
    audit_record(actor=actor, action="calendar.set", obj=day, after=model_snapshot(day))
    calendar_retime_clocks(
        district=district, actor=actor, reason=f"日历调整：{date} {day.get_kind_display()} / calendar day set"
    )
    return day


@transaction.atomic
def calendar_day_delete(*, day: CalendarDay, actor=None) -> None:
    before = model_snapshot(day)
    day.delete()
    audit_record(
        actor=actor,
        action="calendar.delete",
        object_type="campaigns.calendarday",
        object_id=before["id"],
        before=before,
    )
    calendar_retime_clocks(
        district=day.district, actor=actor, reason=f"日历调整：删除 {before['date']} / calendar day removed"
    )


def calendar_retime_clocks(*, district: District, actor=None, reason: str) -> int:
    """The district's calendar changed: re-time every open calendar-computed clock (working-day
    durations, deadlines by a date: requests, needs, relief, rectifications, look-backs, phase tasks,
    submissions) in each of its street offices, through the clock engine, in this transaction, so the
    calendar and the deadlines never disagree. Open phase tasks' own ``due_at`` follows their clock.
    Returns how many clocks moved (or stopped being provisional)."""
    from django_tenants.utils import schema_context, schema_exists

    from core.deadlines.services import clocks_retime_for_calendar

    calendar = calendar_for(district)
    moved = 0
    for office in StreetOffice.objects.filter(district=district).order_by("pk"):
        if not schema_exists(office.schema_name):  # a street office being created has no clocks yet
            continue
        with schema_context(office.schema_name):
            changed = clocks_retime_for_calendar(calendar=calendar, reason=reason, actor=actor)
        for clock in changed:
            if clock.subject_type == "campaigns.deliverablecheck":
                DeliverableCheck.objects.filter(pk=clock.subject_id, done_at__isnull=True).update(
                    due_at=clock.due_at, updated_at=timezone.now()
                )
        moved += len(changed)
    return moved


def calendar_years(district: District) -> list[int]:
    return sorted(
        {d.year for d in CalendarDay.objects.filter(district=district).values_list("date", flat=True)}
    )


# --- campaign and its defaults (from the plan) -----------------------------------------------------
def default_campaign_year(today: dt.date) -> int:
    """The winter a campaign started on ``today`` belongs to (Nov..Mar: the year of November)."""
    return today.year if today.month >= 7 else today.year - 1


def _default_plan(year: int) -> dict:
    d = dt.date
    return {
        "name": f"{year}-{year + 1}年度困难群众温暖过冬排查救助",
        "starts_on": d(year, 11, 1),
        "ends_on": d(year + 1, 3, 31),  # the relief phase runs to 次年3月底: the campaign holds it
        "phases": [
            (
                Phase.MOBILISATION,
                "动员部署阶段",
                d(year, 11, 1),
                d(year, 11, 20),
                [
                    (
                        "deployment_meeting",
                        "召开街道专题部署会",
                        Deliverable.Kind.MEETING,
                        d(year, 11, 20),
                        False,
                    ),
                    (
                        "inspection_training",
                        "开展排查培训（民政工作人员、网格员逐人签到）",
                        Deliverable.Kind.TRAINING,
                        d(year, 11, 20),
                        False,
                    ),
                ],
            ),
            (
                Phase.INSPECTION,
                "全面排查阶段",
                d(year, 11, 21),
                d(year, 11, 30),
                [
                    (
                        "problem_ledgers",
                        "各社区(村)《问题台账》报街道民政科",
                        Deliverable.Kind.LEDGER,
                        d(year, 11, 30),
                        False,
                    ),
                ],
            ),
            (
                Phase.RELIEF,
                "精准救助与整改阶段",
                d(year, 12, 1),
                d(year + 1, 3, 31),
                [
                    (
                        "monthly_progress",
                        "每月20日前报送救助进展、整改情况",
                        Deliverable.Kind.REPORT,
                        d(year, 12, 20),
                        True,
                    ),
                ],
            ),
        ],
    }


@transaction.atomic
def campaign_create_default(*, district: District, today: dt.date | None = None, actor=None) -> Campaign:
    """The plan's campaign with its phases, deliverables and SLA; seeds the calendar when empty."""
    today = today or timezone.localdate()
    plan = _default_plan(default_campaign_year(today))
    campaign = Campaign.objects.create(
        district=district, name=plan["name"], starts_on=plan["starts_on"], ends_on=plan["ends_on"]
    )
    for order, (key, name, starts_on, ends_on, deliverables) in enumerate(plan["phases"]):
        phase = Phase.objects.create(
            campaign=campaign, key=key, name=name, starts_on=starts_on, ends_on=ends_on, sort_order=order
        )
        for d_order, (d_key, d_name, kind, due_on, monthly) in enumerate(deliverables):
            Deliverable.objects.create(
                phase=phase,
                key=d_key,
                name=d_name,
                kind=kind,
                due_on=due_on,
                monthly=monthly,
                sort_order=d_order,
            )
    if not CalendarDay.objects.filter(district=district).exists():
        calendar_import(district=district, text=DEFAULT_CALENDAR.read_text(encoding="utf-8"), actor=actor)
    audit_record(actor=actor, action="campaign.create", obj=campaign, after=model_snapshot(campaign))
    return campaign


def campaign_ensure(district: District) -> Campaign:
    """The district's active campaign; the plan's defaults are created the first time."""
    campaign = Campaign.objects.filter(district=district, is_active=True).first()
    if campaign is None:
        with transaction.atomic():
            District.objects.select_for_update().get(pk=district.pk)  # two first requests create one campaign
            campaign = Campaign.objects.filter(district=district, is_active=True).first()
            if campaign is None:
                from django_tenants.utils import schema_context

                with schema_context("public"):  # the district's own audit trail records it
                    campaign = campaign_create_default(district=district)
    return campaign


CAMPAIGN_FIELDS = (
    "name",
    "starts_on",
    "ends_on",
    "respond_amount",
    "respond_unit",
    "handle_amount",
    "handle_unit",
    "feedback_amount",
    "feedback_unit",
    "need_critical_amount",
    "need_critical_unit",
    "need_urgent_amount",
    "need_urgent_unit",
    "need_normal_amount",
    "need_normal_unit",
    "rectify_amount",
    "rectify_unit",
    "lookback_days",
)


@transaction.atomic
def campaign_update(*, campaign: Campaign, actor=None, **changes) -> Campaign:
    ensure_plausible(starts_on=changes.get("starts_on"), ends_on=changes.get("ends_on"))
    unknown = set(changes) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValidationError({"non_field_errors": [f"未知字段 / unknown fields: {sorted(unknown)}"]})
    before = model_snapshot(campaign)
    for name, value in changes.items():
        setattr(campaign, name, value)
    errors: dict[str, list[str]] = {}
    for kind in (*SLA_KINDS, "rectify"):
        if not getattr(campaign, f"{kind}_amount"):
            errors[f"{kind}_amount"] = ["时限至少为1 / at least 1"]
    if campaign.lookback_days < 1:
        errors["lookback_days"] = ["回头看间隔至少1天 / at least 1 day"]
    if campaign.ends_on < campaign.starts_on:
        errors["ends_on"] = ["结束日期不能早于开始日期 / the end is before the start"]
    if errors:
        raise ValidationError(errors)
    campaign.full_clean()
    campaign.save()
    audit_record(
        actor=actor, action="campaign.update", obj=campaign, before=before, after=model_snapshot(campaign)
    )
    return campaign


@transaction.atomic
def phase_update(*, phase: Phase, starts_on: dt.date, ends_on: dt.date, actor=None) -> Phase:
    ensure_plausible(starts_on=starts_on, ends_on=ends_on)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": ["结束日期不能早于开始日期 / the end is before the start"]})
    campaign = phase.campaign
    if starts_on < campaign.starts_on or ends_on > campaign.ends_on:
        raise ValidationError(
            {
                "ends_on": [
                    f"阶段须在工作期内（{campaign.starts_on:%Y-%m-%d}至{campaign.ends_on:%Y-%m-%d}） "
                    "/ a phase must lie within the campaign"
                ]
            }
        )
    before = model_snapshot(phase)
    phase.starts_on, phase.ends_on = starts_on, ends_on
    phase.save()
    audit_record(actor=actor, action="phase.update", obj=phase, before=before, after=model_snapshot(phase))
    return phase


@transaction.atomic
def deliverable_update(*, deliverable: Deliverable, due_on: dt.date, actor=None) -> Deliverable:
    """Move a deliverable's due date; open checks of every street follow (their clocks are re-timed by the scan)."""
    ensure_plausible(due_on=due_on)
    before = model_snapshot(deliverable)
    deliverable.due_on = due_on
    deliverable.save()
    audit_record(
        actor=actor,
        action="deliverable.update",
        obj=deliverable,
        before=before,
        after=model_snapshot(deliverable),
    )
    return deliverable


def campaign_coverage_dates(district: District) -> tuple[dt.date, dt.date, dt.date]:
    """(first, last day of the inspection phase, last day of the campaign), from one campaign read."""
    campaign = campaign_ensure(district)
    phase = campaign.phases.filter(key=Phase.INSPECTION).first()
    if phase is None:
        return campaign.starts_on, campaign.ends_on, campaign.ends_on
    return phase.starts_on, phase.ends_on, campaign.ends_on


def campaign_inspection_window(district: District) -> tuple[dt.date, dt.date]:
    """(first day, last day) of the full-inspection phase of the district's campaign, both inclusive.

    The one place other modules (inspections, coverage) ask when the inspection window is.
    """
    campaign = campaign_ensure(district)
    phase = campaign.phases.filter(key=Phase.INSPECTION).first()
    if phase is None:
        return campaign.starts_on, campaign.ends_on
    return phase.starts_on, phase.ends_on


# --- SLA: district policy, street may only tighten --------------------------------------------------
def sla_for_street(office: StreetOffice) -> dict[str, Duration]:
    """The effective durations in this street office, by SLA kind: respond / handle / feedback for
    requests, need_critical / need_urgent / need_normal for winter needs (the district's policy,
    tightened where the street chose)."""
    campaign = campaign_ensure(office.district)
    policy = {kind: campaign.duration(kind) for kind in SLA_KINDS}
    own = StreetSla.objects.filter(street_office=office).first()
    if own is not None:
        for kind in SLA_KINDS:
            tighter = own.duration(kind)
            if tighter is not None and tighter.is_not_longer_than(policy[kind]):
                policy[kind] = tighter
    return policy


@transaction.atomic
def street_sla_set(*, office: StreetOffice, actor=None, **durations: Duration | None) -> StreetSla:
    """Set the street's own (tighter) SLA. A duration longer than the district's is refused."""
    campaign = campaign_ensure(office.district)
    sla, _created = StreetSla.objects.get_or_create(street_office=office)
    before = model_snapshot(sla)
    errors: dict[str, list[str]] = {}
    for kind, duration in durations.items():
        if kind not in SLA_KINDS:
            raise ValidationError({kind: ["未知时限 / unknown SLA kind"]})
        district = campaign.duration(kind)
        if duration is not None and not duration.is_not_longer_than(district):
            errors[kind] = [
                f"{SLA_LABELS[kind]}时限 {duration.label} 宽于区里的 {district.label}，街道只能收紧 / "
                f"a street may tighten the district's {kind} limit ({district.label}), never loosen it"
            ]
            continue
        setattr(sla, f"{kind}_amount", duration.amount if duration else None)
        setattr(sla, f"{kind}_unit", duration.unit if duration else "")
    if errors:
        raise ValidationError(errors)
    sla.save()
    audit_record(actor=actor, action="sla.street_set", obj=sla, before=before, after=model_snapshot(sla))
    return sla


# --- phase deliverables per street ----------------------------------------------------------------
def monthly_due_dates(first: dt.date, last: dt.date) -> list[dt.date]:
    """Due dates of a monthly task: the day of month of ``first`` in each month from ``first`` up to
    ``last`` (inclusive). A month without that day uses its last day ("clamp to month end": a task
    due on the 31st is due 04-30, 02-28 or, in a leap year, 02-29, and again on 03-31)."""
    dates, year, month = [], first.year, first.month
    while True:
        day = dt.date(year, month, min(first.day, monthrange(year, month)[1]))
        if day > last:
            return dates
        dates.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _periods(deliverable: Deliverable) -> list[dt.date]:
    if not deliverable.monthly:
        return [deliverable.due_on]
    return monthly_due_dates(deliverable.due_on, deliverable.phase.ends_on)


def _street_responsible(office: StreetOffice) -> int | None:
    return (
        Membership.objects.filter(street_office=office, role=STREET_STAFF, is_active=True)
        .order_by("id")
        .values_list("user_id", flat=True)
        .first()
    )


def deliverable_checks_ensure(*, office: StreetOffice, now: dt.datetime | None = None) -> int:
    """Make sure this street has a check (and, in its schema, a clock) for every deliverable period.

    Runs inside the street's schema (the scanner and the street's campaign page call it). Returns how
    many checks were created. A due date moved by the district re-times the open clock.
    """
    from core.deadlines.services import clock_exists, clock_retime, clock_start

    assert connection.schema_name == office.schema_name, "call inside the street's schema"
    now = now or timezone.now()
    campaign = campaign_ensure(office.district)
    calendar = calendar_for(office.district)
    existing = {
        (c.deliverable_id, c.period_due_on): c
        for c in DeliverableCheck.objects.filter(street_office=office, deliverable__phase__campaign=campaign)
    }
    created = 0
    responsible = None
    deliverables = Deliverable.objects.filter(phase__campaign=campaign).select_related("phase")
    for deliverable in deliverables:
        periods = _periods(deliverable)
        for index, period in enumerate(periods):
            by_date = ByDate(period)
            due_at = by_date.due_at(calendar)
            check = existing.get((deliverable.pk, period))
            if check is not None:
                if check.due_at != due_at and check.done_at is None:
                    check.due_at = due_at
                    check.save(update_fields=["due_at", "updated_at"])
                    clock_retime(subject=check, kind="deliverable", by_date=by_date, calendar=calendar, now=now)
                continue
            if not deliverable.monthly and any(k[0] == deliverable.pk for k in existing):
                # The district moved a one-off deliverable's date: move the existing check instead.
                old = next(c for k, c in existing.items() if k[0] == deliverable.pk)
                if old.done_at is None:
                    old.period_due_on, old.due_at = period, due_at
                    old.save(update_fields=["period_due_on", "due_at", "updated_at"])
                    clock_retime(subject=old, kind="deliverable", by_date=by_date, calendar=calendar, now=now)
                continue
            with transaction.atomic():
                check = DeliverableCheck.objects.create(
                    deliverable=deliverable, street_office=office, period_due_on=period, due_at=due_at
                )
                if deliverable.kind == Deliverable.Kind.TRAINING:
                    TrainingAttendance.objects.bulk_create(
                        [
                            TrainingAttendance(check_item=check, user_id=m.user_id, role=m.role)
                            for m in Membership.objects.filter(
                                street_office=office, is_active=True, role__in=ATTENDANCE_ROLES
                            )
                        ]
                    )
                period_start = (
                    deliverable.phase.starts_on if index == 0 else periods[index - 1] + dt.timedelta(days=1)
                )
                started_at = dt.datetime.combine(period_start, dt.time(0, 0), tzinfo=LOCAL_TZ).astimezone(
                    dt.UTC
                )
                if started_at >= due_at:
                    started_at = due_at - dt.timedelta(days=1)
                if responsible is None:
                    responsible = _street_responsible(office)
                if not clock_exists(subject=check):
                    clock_start(
                        subject=check,
                        kind="deliverable",
                        started_at=started_at,
                        by_date=by_date,
                        calendar=calendar,
                        responsible_user_id=responsible,
                        title=f"{deliverable.name}（{period:%m月%d日}前）",
                        now=now,
                    )
            created += 1
    return created


@transaction.atomic
def deliverable_check_done(
    *,
    check: DeliverableCheck,
    evidence: str,
    actor,
    attended_user_ids: list[int] | None = None,
    done_at: dt.datetime | None = None,
) -> DeliverableCheck:
    """Mark a deliverable done with its evidence (and, for a training, who attended); meets its clock."""
    from core.deadlines.services import clock_meet

    if not evidence.strip():
        raise ValidationError(
            {"evidence": ["请填写佐证材料（时间、地点、参加人员、文号等） / evidence is required"]}
        )
    if check.done_at is not None:
        raise ValidationError({"non_field_errors": ["该任务已完成 / already done"]})
    is_training = check.deliverable.kind == Deliverable.Kind.TRAINING
    attended = set(attended_user_ids or [])
    if is_training:
        if not attended:
            raise ValidationError({"attendance": ["培训至少应有一人签到 / tick who attended the training"]})
        if attended - set(check.attendance.values_list("user_id", flat=True)):
            raise ValidationError({"attendance": ["签到人员不在本街道名单中 / unknown attendee"]})
    before = model_snapshot(check)
    check.done_at = done_at or timezone.now()
    check.done_by = actor.user
    check.evidence = evidence.strip()
    check.save(update_fields=["done_at", "done_by", "evidence", "updated_at"])
    if is_training:
        check.attendance.filter(user_id__in=attended).update(attended=True)
        check.attendance.exclude(user_id__in=attended).update(attended=False)
    clock_meet(subject=check, kind="deliverable", at=check.done_at, actor=actor)
    audit_record(
        actor=actor,
        action="deliverable.done",
        obj=check,
        before=before,
        after=model_snapshot(check) | {"attended": sorted(attended_user_ids or [])},
    )
    return check
