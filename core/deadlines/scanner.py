"""The scanner: every minute, find clocks that change state, persist it, tell and escalate.

Idempotent under repetition and concurrency: rows are claimed with SELECT ... FOR UPDATE SKIP
LOCKED and changed only from the state they were read in (one set-based ``UPDATE ... FROM
unnest(...) RETURNING`` per batch), inside one transaction with the notifications they cause; a
notification's dedupe key makes a second write impossible anyway. Pass ``now`` to run it at any
moment (tests freeze time this way).

Cheap when idle: one statement over every street office's clocks tells which streets have anything
due; the others cost nothing more. Failures are isolated (issue 10 §6): a street whose work fails,
or a clock that cannot be processed, is logged, skipped and reported to the platform's operators
(one notification per street and hour), and the scan goes on for everybody else.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from core.deadlines.escalation import TIER_LABELS, TIERS, TOP_TIER, StreetPeople, escalation_step
from core.deadlines.models import Clock, ClockState
from core.deadlines.subjects import STREET_WORK, clock_event_payload, kind_label, subject_event, subject_url
from tenants.models import PUBLIC_SCHEMA, StreetOffice

logger = logging.getLogger("nuandong.deadlines")

__all__ = ["clock_scan", "clock_scan_street", "subject_url"]


def _describe(clock: Clock) -> str:
    return f"{clock.title or clock.subject_type}（{kind_label(clock.kind)}时限 {clock.rule}）".strip()


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


def clock_scan(
    *,
    now: dt.datetime | None = None,
    batch: int = 500,
    schemas: list[str] | None = None,
    ensure_deliverables: bool = True,
) -> dict:
    """Scan every street office (or only those ``schemas``). Returns counts of what changed.

    First the street work the domains registered (``core.deadlines.subjects.street_work_register``:
    the campaign's deliverable checks), each in every street, isolated; then the clocks.
    ``ensure_deliverables=False`` leaves out that street work (benchmarks of the clock passes).

    ``{"due_soon", "overdue", "escalated": clocks changed, "streets": street offices scanned,
    "failed": ["<schema>: <what failed>", ...]}``. Never raises for one street's or one clock's
    failure: those are logged, skipped and alerted (``_alert``).
    """
    now = now or timezone.now()
    totals: dict = {"due_soon": 0, "overdue": 0, "escalated": 0, "streets": 0, "failed": []}
    offices = list(
        StreetOffice.objects.exclude(schema_name=PUBLIC_SCHEMA).select_related("district").order_by("pk")
    )
    if schemas is not None:
        offices = [o for o in offices if o.schema_name in schemas]
    failures: dict[str, list[str]] = {office.schema_name: [] for office in offices}
    for office in offices:  # the domains' street work first: it may start clocks that are due already
        if ensure_deliverables:
            with tenant_context(office):
                for name, work in STREET_WORK.items():
                    _isolated(failures[office.schema_name], name, work, office=office, now=now)
    due = _streets_with_due_clocks([o.schema_name for o in offices], now)
    for office in offices:
        if due is None or office.schema_name in due:
            with tenant_context(office):
                counts = _isolated(
                    failures[office.schema_name],
                    "clocks",
                    _scan_clocks,
                    atomic=False,
                    office=office,
                    now=now,
                    batch=batch,
                    failures=failures[office.schema_name],
                )
            for key, value in (counts or {}).items():
                totals[key] += value
        totals["streets"] += 1
    totals["failed"] = [f"{schema}: {failure}" for schema, notes in failures.items() for failure in notes]
    if totals["failed"]:
        _alert(totals["failed"], now)
    return totals


def clock_scan_street(
    *, office: StreetOffice, now: dt.datetime, batch: int = 500, ensure_deliverables: bool = True
) -> dict:
    """Scan one street office (call inside its schema). Returns ``{"due_soon", "overdue", "escalated"}``.

    Raises what the street work registered by the domains raises; a clock that cannot be processed
    is logged and skipped (``clock_scan`` isolates and alerts both).
    """
    if ensure_deliverables:
        for work in STREET_WORK.values():
            work(office=office, now=now)
    return _scan_clocks(office=office, now=now, batch=batch, failures=[])


def _isolated(failures: list[str], what: str, work, /, *, atomic: bool = True, **kwargs):
    """Run ``work`` (in a transaction of its own unless ``atomic=False``: the clock passes commit batch
    by batch); on failure log it, note it in ``failures`` and return None."""
    try:
        if not atomic:
            return work(**kwargs)
        with transaction.atomic():
            return work(**kwargs)
    except Exception as exc:  # noqa: BLE001 - one street's failure must not stop the others
        logger.exception("clock scan: %s failed in %s", what, connection.schema_name)
        failures.append(f"{what}: {type(exc).__name__}: {str(exc)[:200]}")
        return None


def _streets_with_due_clocks(schemas: list[str], now: dt.datetime) -> set[str] | None:
    """The schemas (of ``schemas``) holding a clock the scanner must change now, in one statement.

    Uses the three partial indexes of open clocks. None when the question itself failed (e.g. a
    schema without the table yet): then every street is scanned, each isolated.
    """
    if not schemas:
        return set()
    table = Clock._meta.db_table
    parts = []
    for schema in schemas:
        qualified = f'"{schema}"."{table}"'
        parts.append(
            f"SELECT %(s{len(parts)})s WHERE "
            f"EXISTS (SELECT 1 FROM {qualified} WHERE state = 'on_track' AND warn_at <= %(now)s) OR "
            f"EXISTS (SELECT 1 FROM {qualified} WHERE state IN ('on_track', 'due_soon') AND due_at <= %(now)s) OR "
            f"EXISTS (SELECT 1 FROM {qualified} WHERE state = 'overdue' AND next_escalation_at <= %(now)s)"
        )
    params = {"now": now} | {f"s{i}": schema for i, schema in enumerate(schemas)}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            return {row[0] for row in cursor.fetchall()}
    except DatabaseError:
        logger.exception("clock scan: could not tell which streets have clocks due; scanning all")
        return None


def _scan_clocks(*, office: StreetOffice, now: dt.datetime, batch: int, failures: list[str]) -> dict:
    people = _People(office)
    counts = {"due_soon": 0, "overdue": 0, "escalated": 0}
    bad: set[int] = set()  # clocks that failed in this scan: not picked again by it
    for key, turn in (("due_soon", _turn_due_soon), ("overdue", _turn_overdue)):
        while True:
            picked, changed = turn(people, now, batch, bad, failures)
            counts[key] += changed
            if picked < batch:
                break
    for _pass in range(TOP_TIER + 1):  # a scanner that was down catches up one tier per pass
        _picked, changed = _escalate(people, now, batch, bad, failures)
        counts["escalated"] += changed
        if changed == 0:
            break
    return counts


class _People:
    """The street's people, loaded on first need (an idle street never loads them)."""

    def __init__(self, office: StreetOffice):
        self.office = office
        self._loaded: StreetPeople | None = None

    def __getattr__(self, name):
        if self._loaded is None:
            self._loaded = StreetPeople.load(self.office)
        return getattr(self._loaded, name)


def _claim(queryset, batch: int, bad: set[int]) -> list[Clock]:
    return list(queryset.select_for_update(skip_locked=True).exclude(pk__in=bad)[:batch])


def _write(
    changes: list[tuple[Clock, dict]], from_states: list[str], bad: set[int], failures: list[str]
) -> set[int]:
    """Persist the changes in one ``UPDATE ... FROM unnest(...) RETURNING id`` (only from the states
    the rows were read in). If that statement fails, clock by clock in savepoints, skipping (and
    reporting) the rows the database refuses. Returns the ids changed."""
    if not changes:
        return set()
    table = Clock._meta.db_table
    sql = (
        f'UPDATE "{table}" AS c SET state = v.state, escalation_level = v.level, '
        "next_escalation_at = v.next_at, updated_at = v.updated_at "
        "FROM unnest(%s::bigint[], %s::varchar[], %s::smallint[], %s::timestamptz[], %s::timestamptz[]) "
        "AS v(id, state, level, next_at, updated_at) "
        "WHERE c.id = v.id AND c.state = ANY(%s::varchar[]) RETURNING c.id"
    )

    def run(rows):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                sql,
                [
                    [c.pk for c, _ in rows],
                    [v["state"] for _, v in rows],
                    [v["level"] for _, v in rows],
                    [v["next_at"] for _, v in rows],
                    [v["updated_at"] for _, v in rows],
                    from_states,
                ],
            )
            return {row[0] for row in cursor.fetchall()}

    try:
        return run(changes)
    except DatabaseError:
        logger.exception(
            "clock scan: batch update failed in %s; retrying clock by clock", connection.schema_name
        )
    done: set[int] = set()
    for change in changes:
        try:
            done |= run([change])
        except DatabaseError as exc:
            clock = change[0]
            logger.exception("clock scan: clock %s refused by the database; skipped", clock.pk)
            bad.add(clock.pk)
            failures.append(f"clock {clock.pk}: {type(exc).__name__}: {str(exc)[:200]}")
    return done


def _plan(clocks: list[Clock], plan_one, bad: set[int], failures: list[str]) -> tuple[list, list]:
    """Apply ``plan_one(clock) -> (values, drafts)`` to each clock; a clock that raises is skipped."""
    changes, drafts = [], []
    for clock in clocks:
        try:
            values, clock_drafts = plan_one(clock)
        except Exception as exc:  # noqa: BLE001 - one bad clock must not stop the batch
            logger.exception("clock scan: clock %s could not be processed; skipped", clock.pk)
            bad.add(clock.pk)
            failures.append(f"clock {clock.pk}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        changes.append((clock, values))
        drafts.append((clock.pk, clock_drafts))
    return changes, drafts


def _notify(people, drafts: list[tuple[int, list]], done: set[int], now: dt.datetime) -> None:
    from core.notifications.services import notify_many

    notify_many([d for pk, ds in drafts if pk in done for d in ds], now=now, street_office=people.office)


@transaction.atomic
def _turn_due_soon(
    people, now: dt.datetime, batch: int, bad: set[int], failures: list[str]
) -> tuple[int, int]:
    from core.notifications.services import Draft

    clocks = _claim(
        Clock.objects.filter(state=ClockState.ON_TRACK, warn_at__lte=now, due_at__gt=now).order_by("warn_at"),
        batch,
        bad,
    )

    def plan(clock):
        values = {
            "state": ClockState.DUE_SOON,
            "level": clock.escalation_level,
            "next_at": clock.next_escalation_at,
            "updated_at": now,
        }
        if not clock.responsible_user_id:
            return values, []
        return values, [
            Draft(
                user_id=clock.responsible_user_id,
                kind="due_soon",
                title=f"即将到期：{_describe(clock)}",
                body=f"截止时间 {_local(clock.due_at)}",
                url=subject_url(clock),
                dedupe_key=f"clock:{clock.pk}:due_soon",
            )
        ]

    changes, drafts = _plan(clocks, plan, bad, failures)
    done = _write(changes, [ClockState.ON_TRACK], bad, failures)
    _notify(people, drafts, done, now)
    return len(clocks), len(done)


@transaction.atomic
def _turn_overdue(
    people, now: dt.datetime, batch: int, bad: set[int], failures: list[str]
) -> tuple[int, int]:
    clocks = _claim(
        Clock.objects.filter(state__in=[ClockState.ON_TRACK, ClockState.DUE_SOON], due_at__lte=now).order_by(
            "due_at"
        ),
        batch,
        bad,
    )

    def plan(clock):
        clock.escalation_level = 0
        drafts = _step_up(people, clock, now, overdue=True)
        return {
            "state": ClockState.OVERDUE,
            "level": clock.escalation_level,
            "next_at": clock.next_escalation_at,
            "updated_at": now,
        }, drafts

    changes, drafts = _plan(clocks, plan, bad, failures)
    done = _write(changes, [ClockState.ON_TRACK, ClockState.DUE_SOON], bad, failures)
    _notify(people, drafts, done, now)
    _publish(clocks, done, now)
    return len(clocks), len(done)


@transaction.atomic
def _escalate(people, now: dt.datetime, batch: int, bad: set[int], failures: list[str]) -> tuple[int, int]:
    clocks = _claim(
        Clock.objects.filter(state=ClockState.OVERDUE, next_escalation_at__lte=now).order_by(
            "next_escalation_at"
        ),
        batch,
        bad,
    )

    def plan(clock):
        drafts = _step_up(people, clock, now, overdue=clock.escalation_level == 0)
        return {
            "state": ClockState.OVERDUE,
            "level": clock.escalation_level,
            "next_at": clock.next_escalation_at,
            "updated_at": now,
        }, drafts

    changes, drafts = _plan(clocks, plan, bad, failures)
    done = _write(changes, [ClockState.OVERDUE], bad, failures)
    _notify(people, drafts, done, now)
    _publish(clocks, done, now)
    return len(clocks), len(done)


def _publish(clocks: list[Clock], done: set[int], now: dt.datetime) -> None:
    """The domain events the subjects' domains registered for clocks that went overdue or climbed a
    tier in this batch (``request.overdue`` / ``request.escalated``), in the batch's transaction."""
    from core.events.services import publish_many

    items = []
    for clock in clocks:
        if clock.pk not in done:
            continue
        subject = (clock.subject_type, clock.subject_id)
        if getattr(clock, "went_overdue", False) and (kind := subject_event(clock, "overdue")):
            items.append((kind, subject, clock_event_payload(clock)))
        tier = getattr(clock, "reached_tier", None)
        if tier is not None and (kind := subject_event(clock, "escalated")):
            items.append(
                (kind, subject, clock_event_payload(clock, level=clock.escalation_level, tier=TIERS[tier]))
            )
    publish_many(items, at=now)


def _alert(failures: list[str], now: dt.datetime) -> None:
    """Tell the platform's operators (active superusers) what the scan skipped: once per street and hour."""
    from core.notifications.services import Draft, notify_many
    from tenants.models import User

    logger.error("clock scan skipped %d item(s): %s", len(failures), "; ".join(failures)[:2000])
    try:
        with schema_context(PUBLIC_SCHEMA), transaction.atomic():
            operators = list(
                User.objects.filter(is_superuser=True, is_active=True).values_list("pk", flat=True)
            )
            by_street: dict[str, list[str]] = {}
            for failure in failures:
                schema, _sep, what = failure.partition(": ")
                by_street.setdefault(schema, []).append(what)
            hour = now.strftime("%Y%m%d%H")
            notify_many(
                [
                    Draft(
                        user_id=user_id,
                        kind="scan_failed",
                        title=f"时限扫描跳过了 {schema} 的 {len(whats)} 项",
                        body="；".join(whats)[:1000],
                        url="/deadlines/",
                        dedupe_key=f"scan-failed:{schema}:{hour}",
                    )
                    for schema, whats in sorted(by_street.items())
                    for user_id in operators
                ],
                now=now,
                street_office=None,
            )
    except Exception:  # noqa: BLE001 - the alert must never stop the scan either
        logger.exception("clock scan: could not alert the operators")


DIGEST_KIND = "district_digest"


def _district_digest(people: StreetPeople, users: set[int], now: dt.datetime) -> list:
    """What the district tier is told: not one message per clock but one digest per street office and
    hour, linking to the district's overdue list (district site ``/overdue/``), where every escalated
    item of every street is listed. Later escalations within the hour fold into the same digest."""
    from zoneinfo import ZoneInfo

    from core.notifications.services import Draft

    office = people.office
    hour = now.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d%H")
    return [
        Draft(
            user_id=user_id,
            kind=DIGEST_KIND,
            url=f"/overdue/#overdue-{office.slug}",
            title=f"超时督办汇总：{office.name}有事项超时未办结，已督办至区民政局",
            body="同一街道每小时汇总一次；全区超时事项见超时清单（按街道分组）。",
            dedupe_key=f"district-digest:{office.pk}:{hour}",
        )
        for user_id in sorted(users)
    ]


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
    if tier >= TOP_TIER:
        drafts += _district_digest(people, users, now)
    else:
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
    clock.went_overdue, clock.reached_tier = overdue, tier  # for _publish
    if tier >= TOP_TIER:
        clock.next_escalation_at = None
    else:
        clock.next_escalation_at = clock.due_at + escalation_step(clock.started_at, clock.due_at) * level
    return drafts
