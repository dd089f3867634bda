"""The clock scanner over 100,000 open clocks, and the on-time-rate query, against plain indexed SQL.

Data: one street office, 100 grids in 20 communities, 100,000 open clocks (1,000 crossing their
warning time and 1,000 crossing their deadline at the scan moment, the rest weeks away) plus 50,000
met clocks. Every variant runs on the same rows, interleaved, reset between runs.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from unittest import mock

from django.db import connection, transaction
from django.utils import timezone

TITLE = "Deadlines: scanner over 100,000 open clocks, on-time rate"
# Sizes are set by run() (full, or tiny under --tiny).
OPEN, CROSS_WARN, CROSS_DUE, MET, IDLE_STREETS = 100_000, 1_000, 1_000, 50_000, 20


def _setup(now: dt.datetime):
    from django_tenants.utils import tenant_context

    from tenants.models import District
    from tenants.services import district_create, membership_grant, street_office_create, user_create

    district = District.objects.filter(code="149998").first() or district_create(
        code="149998", name="时限测速区"
    )
    office = street_office_create(district=district, slug="bench-clocks", name="时限测速街道")
    user = user_create(
        username="bench_clocks_grid", password="Bench-pass-2026", full_name="测速网格员", mobile="13800000001"
    )
    user.email = "bench@example.org"
    user.save(update_fields=["email"])
    membership_grant(user=user, role="grid_worker", street_office=office, community_id=1, grid_id=1)
    with tenant_context(office), connection.cursor() as cursor:
        # 20 communities x 5 grids; the clock table holds plain ids (no foreign keys), as in production.
        cursor.execute(
            """
            INSERT INTO deadlines_clock (subject_type, subject_id, kind, round, title, responsible_user_id,
                community_id, grid_id, started_at, warn_at, due_at, met_at, state, escalation_level,
                next_escalation_at, rule, created_at, updated_at, calendar_missing, due_lead_working_days, duration_unit)
            SELECT 'requests.citizenrequest', i, 'respond', 1, '诉求 ' || i, %(user)s,
                   i %% 20 + 1, i %% 100 + 1,
                   CASE WHEN i <= %(w)s THEN %(now)s - interval '50 minutes'
                        WHEN i <= %(w)s + %(d)s THEN %(now)s - interval '2 hours'
                        ELSE %(now)s - interval '1 hour' END,
                   CASE WHEN i <= %(w)s THEN %(now)s - interval '5 minutes'
                        WHEN i <= %(w)s + %(d)s THEN %(now)s - interval '30 minutes'
                        ELSE %(now)s + (i %% 30 + 1) * interval '1 day' - interval '2 hours' END,
                   CASE WHEN i <= %(w)s THEN %(now)s + interval '10 minutes'
                        WHEN i <= %(w)s + %(d)s THEN %(now)s - interval '1 minute'
                        ELSE %(now)s + (i %% 30 + 1) * interval '1 day' END,
                   NULL, 'on_track', 0, NULL, '1 小时', %(now)s, %(now)s, '', 0, ''
            FROM generate_series(1, %(open)s) AS i
            """,
            {"user": user.pk, "now": now, "w": CROSS_WARN, "d": CROSS_DUE, "open": OPEN},
        )
        cursor.execute(
            """
            INSERT INTO deadlines_clock (subject_type, subject_id, kind, round, title, responsible_user_id,
                community_id, grid_id, started_at, warn_at, due_at, met_at, state, escalation_level,
                next_escalation_at, rule, created_at, updated_at, calendar_missing, due_lead_working_days, duration_unit)
            SELECT 'requests.citizenrequest', %(open)s + i, 'handle', 1, '', %(user)s, i %% 20 + 1, i %% 100 + 1,
                   %(now)s - interval '3 days', %(now)s - interval '2 days 4 hours', %(now)s - interval '2 days',
                   %(now)s - interval '2 days' + (i %% 7 - 5) * interval '1 hour',
                   CASE WHEN i %% 7 - 5 <= 0 THEN 'met_on_time' ELSE 'met_late' END, 0, NULL, '24 小时',
                   %(now)s, %(now)s, '', 0, ''
            FROM generate_series(1, %(met)s) AS i
            """,
            {"user": user.pk, "now": now, "open": OPEN, "met": MET},
        )
        cursor.execute("ANALYZE deadlines_clock")
    return office, user


def _reset(office) -> None:
    from django_tenants.utils import tenant_context

    from core.notifications.models import Notification

    Notification.objects.all().delete()
    with tenant_context(office), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE deadlines_clock SET state = 'on_track', escalation_level = 0, next_escalation_at = NULL "
            "WHERE subject_id <= %s AND kind = 'respond'",
            [CROSS_WARN + CROSS_DUE],
        )
    connection.set_schema_to_public()


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _scanner(schemas, now):
    """The product: ``clock_scan`` over these street offices (campaign work left out on both sides)."""
    from core.deadlines.scanner import clock_scan

    def go():
        with mock.patch("nuandong.tasks.queue_on_commit_or_later"):
            result = clock_scan(now=now, schemas=schemas, ensure_deliverables=False)
        go.result = {k: result[k] for k in ("due_soon", "overdue", "escalated")}
        assert not result["failed"], result["failed"]

    return go


_NOTIFY_SQL = """
, inbox AS (
    INSERT INTO public.{notification} (user_id, street_office_id, kind, title, body, url, dedupe_key, created_at)
    SELECT c.responsible_user_id, %(office)s, %(kind)s, %(prefix)s || c.title || '（响应时限 ' || c.rule || '）',
           '截止时间 ' || to_char(c.due_at AT TIME ZONE 'Asia/Shanghai', 'MM-DD HH24:MI') || %(suffix)s,
           '/requests/' || c.subject_id || '/', 'clock:' || c.id || ':' || %(kind)s, %(now)s
      FROM changed c JOIN public.{user} u ON u.id = c.responsible_user_id AND u.is_active
    ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING id, user_id)
INSERT INTO public.{outbox} (notification_id, channel, address, status, attempts, next_attempt_at, last_error,
                             created_at)
SELECT inbox.id, ch.channel, ch.address, 'pending', 0, %(now)s, '', %(now)s
  FROM inbox JOIN public.{user} u ON u.id = inbox.user_id
  CROSS JOIN LATERAL (VALUES ('email', u.email), ('sms', u.mobile)) AS ch(channel, address)
 WHERE ch.address <> ''
"""


def _baseline_busy(office, now):
    """The same state changes, inbox and outbox rows in plain SQL on the same partial indexes.

    Escalation is precomputed for this data (nobody above the grid worker: the first step reaches
    the top tier at once, level 4, nobody else to tell), which the scanner works out per clock.
    """
    from django_tenants.utils import tenant_context

    from core.notifications.models import Notification, Outbox
    from tenants.models import User

    notify = _NOTIFY_SQL.format(
        user=User._meta.db_table, notification=Notification._meta.db_table, outbox=Outbox._meta.db_table
    )

    def go():
        with tenant_context(office), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "WITH changed AS (UPDATE deadlines_clock SET state = 'due_soon', updated_at = %(now)s "
                "WHERE state = 'on_track' AND warn_at <= %(now)s AND due_at > %(now)s RETURNING *)" + notify,
                {"now": now, "office": office.pk, "kind": "due_soon", "prefix": "即将到期：", "suffix": ""},
            )
            cursor.execute("SELECT count(*) FROM deadlines_clock WHERE state = 'due_soon'")
            soon = cursor.fetchone()[0]
            cursor.execute(
                "WITH changed AS (UPDATE deadlines_clock SET state = 'overdue', escalation_level = 4, "
                "next_escalation_at = NULL, updated_at = %(now)s "
                "WHERE state IN ('on_track', 'due_soon') AND due_at <= %(now)s RETURNING *)" + notify,
                {"now": now, "office": office.pk, "kind": "overdue", "prefix": "已超时：", "suffix": "，请尽快办理"},
            )
            cursor.execute("SELECT count(*) FROM deadlines_clock WHERE state = 'overdue'")
            go.result = {"due_soon": soon, "overdue": cursor.fetchone()[0]}

    return go


def _baseline_idle(schemas, now):
    """What an idle minute must ask at least: are there clocks to change? Three indexed counts per street."""

    def go():
        with connection.cursor() as cursor:
            for schema in schemas:
                table = f'"{schema}".deadlines_clock'
                cursor.execute(f"SELECT count(*) FROM {table} WHERE state = 'on_track' AND warn_at <= %s "
                               "AND due_at > %s", [now, now])
                cursor.execute(f"SELECT count(*) FROM {table} WHERE state IN ('on_track', 'due_soon') "
                               "AND due_at <= %s", [now])
                cursor.execute(f"SELECT count(*) FROM {table} WHERE state = 'overdue' "
                               "AND next_escalation_at <= %s", [now])

    return go


def _rates(office, now):
    from django_tenants.utils import tenant_context

    from core.deadlines.selectors import on_time_rates

    def go():
        with tenant_context(office):
            go.result = on_time_rates(by="community", now=now)

    return go


def _baseline_rates(office, now):
    from django_tenants.utils import tenant_context

    def go():
        with tenant_context(office), connection.cursor() as cursor:
            cursor.execute(
                """SELECT community_id,
                          count(*) FILTER (WHERE state = 'met_on_time'),
                          count(*) FILTER (WHERE state = 'met_late'
                                           OR (state IN ('on_track', 'due_soon', 'overdue') AND due_at <= %s))
                   FROM deadlines_clock WHERE state <> 'cancelled' GROUP BY community_id ORDER BY community_id""",
                [now],
            )
            go.result = cursor.fetchall()

    return go


def _plan(office, now) -> list[str]:
    from django_tenants.utils import tenant_context

    with tenant_context(office), connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM deadlines_clock WHERE state IN ('on_track', 'due_soon') "
            "AND due_at <= %s ORDER BY due_at LIMIT 500 FOR UPDATE SKIP LOCKED",
            [now],
        )
        return [row[0] for row in cursor.fetchall()]


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f} ms"


def _idle_offices(n: int) -> list[str]:
    from tenants.models import District
    from tenants.services import street_office_create

    district = District.objects.get(code="149998")
    return [
        street_office_create(district=district, slug=f"bench-idle-{i}", name=f"空闲街道{i}").schema_name
        for i in range(n)
    ]


def run(*, runs: int) -> str:
    global OPEN, CROSS_WARN, CROSS_DUE, MET, IDLE_STREETS
    from tests.bench._size import sized

    OPEN, CROSS_WARN, CROSS_DUE = sized(100_000, 500), sized(1_000, 10), sized(1_000, 10)
    MET, IDLE_STREETS = sized(50_000, 100), sized(19, 2)
    now = timezone.now().replace(microsecond=0)
    office, _user = _setup(now)
    streets = [office.schema_name, *_idle_offices(IDLE_STREETS)]
    connection.set_schema_to_public()
    variants = {
        "idle_scanner": (_scanner(streets, now + dt.timedelta(hours=-6)), None),
        "idle_sql": (_baseline_idle(streets, now + dt.timedelta(hours=-6)), None),
        "busy_scanner": (_scanner([office.schema_name], now), _reset),
        "busy_sql": (_baseline_busy(office, now), _reset),
        "rate_ours": (_rates(office, now), None),
        "rate_sql": (_baseline_rates(office, now), None),
    }
    # Warm-up, and a check that the scanner did what the baseline does (and the rates agree).
    _reset(office)
    variants["busy_scanner"][0]()
    assert variants["busy_scanner"][0].result == {
        "due_soon": CROSS_WARN,
        "overdue": CROSS_DUE,
        "escalated": 0,
    }, variants["busy_scanner"][0].result
    _reset(office)
    variants["busy_sql"][0]()
    assert variants["busy_sql"][0].result == {"due_soon": CROSS_WARN, "overdue": CROSS_DUE}
    _reset(office)
    variants["rate_ours"][0]()
    variants["rate_sql"][0]()
    ours = [(r.key, r.on_time, r.late) for r in variants["rate_ours"][0].result]
    assert ours == [tuple(row) for row in variants["rate_sql"][0].result], "on-time rates disagree"
    variants["idle_scanner"][0]()
    variants["idle_sql"][0]()

    times: dict[str, list[float]] = {name: [] for name in variants}
    for i in range(runs):
        for name, (fn, reset) in variants.items():
            if reset:
                reset(office)
            times[name].append(_timed(fn))
        print(
            f"  run {i + 1}: " + ", ".join(f"{n} {t[-1] * 1000:.0f} ms" for n, t in times.items()), flush=True
        )
    from core.notifications.models import Notification, Outbox

    _reset(office)
    variants["busy_scanner"][0]()
    notifications, outbox = Notification.objects.count(), Outbox.objects.count()
    plan = _plan(office, now)
    median = {name: statistics.median(values) for name, values in times.items()}

    def ratio(a: str, b: str) -> str:
        return f"{median[a] / median[b]:.1f}×"

    lines = [
        f"One street office with {OPEN:,} open clocks (plus {MET:,} met ones) in 20 communities / 100 grids, "
        f"and {IDLE_STREETS} more street offices without clocks for the idle minute ({len(streets)} in all). "
        f"{runs} interleaved runs per variant after a warm-up; medians. Both sides leave out the campaign "
        "work (deliverable checks), which is moving out of the scanner.",
        "",
        "| what | ours | plain indexed SQL | ours / SQL |",
        "|---|---|---|---|",
        f"| idle minute over {len(streets)} street offices: nothing changes (the common case) — `clock_scan` "
        f"(one statement with three indexed EXISTS per street) vs three indexed counts per street | "
        f"{_ms(times['idle_scanner'])} | {_ms(times['idle_sql'])} | {ratio('idle_scanner', 'idle_sql')} |",
        f"| busy minute: {CROSS_WARN:,} clocks turn due-soon and {CROSS_DUE:,} overdue — `clock_scan` (row locks, "
        f"set-based UPDATEs, first escalation worked out per clock, {notifications:,} inbox notifications + "
        f"{outbox:,} outbox rows through `notify_many`) vs the same state changes, inbox and outbox rows in two "
        f"plain SQL statements | "
        f"{_ms(times['busy_scanner'])} | {_ms(times['busy_sql'])} | {ratio('busy_scanner', 'busy_sql')} |",
        f"| on-time rate per community over all {OPEN + MET:,} clocks (open-but-overdue counted late) — "
        f"`on_time_rates` vs hand-written `COUNT(*) FILTER` | {_ms(times['rate_ours'])} | {_ms(times['rate_sql'])} "
        f"| {ratio('rate_ours', 'rate_sql')} |",
        "",
        "The scanner's claim query uses the partial index over open clocks only:",
        "",
        "```",
        *plan,
        "```",
        "",
        f"An idle minute costs {median['idle_scanner'] * 1000:.1f} ms for all {len(streets)} street offices. "
        "A busy minute pays for what the plain SQL knows in advance: who is told at which escalation tier "
        "(worked out per clock from the street's people), and the notification texts built in Python. "
        "The on-time rate from the ORM is the same single grouped query as the hand-written one.",
    ]
    return "\n".join(lines)
