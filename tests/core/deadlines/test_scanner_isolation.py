"""The scanner isolates failures per street and per clock (issue 10 §6): it logs, skips, alerts, goes on.

A phase task dated 2000-01-03 once made two consecutive scans fail with a database error — and
scanning stopped for every street. Here one street's bad row or one bad clock never stops the rest.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from core.deadlines.durations import LOCAL_TZ
from core.deadlines.models import Clock
from core.deadlines.scanner import clock_scan
from core.notifications.models import Notification

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=LOCAL_TZ)  # a Monday of the winter campaign
_ids = itertools.count(900_000)


def due_clock(office, user, *, due_at=T0 - dt.timedelta(minutes=5)) -> int:
    """An open clock in ``office`` whose deadline has passed at T0, with ``user`` responsible."""
    with schema_context(office.schema_name):
        return Clock.objects.create(
            subject_type="requests.citizenrequest",
            subject_id=next(_ids),
            kind="respond",
            title="暖气不热",
            started_at=due_at - dt.timedelta(hours=1),
            warn_at=due_at - dt.timedelta(minutes=15),
            due_at=due_at,
            responsible_user_id=user.pk,
        ).pk


def state(office, pk: int) -> str:
    with schema_context(office.schema_name):
        return Clock.objects.get(pk=pk).state


@pytest.fixture
def operator(db):
    from tenants.models import User

    return User.objects.create_superuser(username="scan_operator", password="x-unused-9d1", email="")


@pytest.fixture
def phase_task_dated_2000(street_a):
    """District A's campaign with one phase task moved to 2000-01-03 (a district admin may set it)."""
    from core.campaigns.models import Deliverable
    from core.campaigns.services import campaign_ensure

    campaign = campaign_ensure(street_a.district)
    task = Deliverable.objects.filter(phase__campaign=campaign, monthly=False).order_by("pk").first()
    Deliverable.objects.filter(pk=task.pk).update(due_on=dt.date(2000, 1, 3))
    return task


def _all_overdue(offices, clocks) -> bool:
    return all(state(office, clocks[office.schema_name]) == "overdue" for office in offices)


def test_a_phase_task_dated_2000_never_stops_the_scan_for_any_street(
    phase_task_dated_2000, street_a, street_a2, street_b, users
):
    offices = (street_a, street_a2, street_b)
    clocks = {office.schema_name: due_clock(office, users["grid_worker"]) for office in offices}
    schemas = list(clocks)

    first = clock_scan(now=T0, schemas=schemas)
    second = clock_scan(now=T0 + dt.timedelta(minutes=1), schemas=schemas)

    assert first["streets"] == second["streets"] == 3
    assert first["overdue"] >= 3 and _all_overdue(offices, clocks)


def test_a_street_whose_work_fails_in_the_database_is_skipped_alerted_and_the_rest_go_on(
    street_a, street_a2, street_b, users, operator, caplog, monkeypatch
):
    """Street A's campaign work hits a database constraint (as the bad phase task once did), twice."""
    from core.deadlines.subjects import STREET_WORK

    offices = (street_a, street_a2, street_b)
    clocks = {office.schema_name: due_clock(office, users["grid_worker"]) for office in offices}
    schemas = list(clocks)
    real_work = STREET_WORK["campaign"]  # registered by the campaign domain (core/campaigns/deadlines.py)

    def campaign_work(*, office, now):
        real_work(office=office, now=now)
        if office.pk == street_a.pk:  # a row the database refuses: warn after due
            due_clock(office, users["grid_worker"], due_at=dt.datetime(2000, 1, 3, tzinfo=LOCAL_TZ))
            Clock.objects.filter(due_at__year=2000).update(warn_at=T0)

    monkeypatch.setitem(STREET_WORK, "campaign", campaign_work)
    with caplog.at_level(logging.ERROR, logger="nuandong.deadlines"):
        first = clock_scan(now=T0, schemas=schemas)
        second = clock_scan(now=T0 + dt.timedelta(minutes=1), schemas=schemas)

    for result in (first, second):  # logged and reported each time...
        assert result["streets"] == 3
        assert [f.split(": ")[:2] for f in result["failed"]] == [[street_a.schema_name, "campaign"]]
        assert "IntegrityError" in result["failed"][0]
    assert f"campaign failed in {street_a.schema_name}" in caplog.text
    # ...while every street's clocks are scanned anyway, street A's included, in both districts.
    assert first["overdue"] >= 3 and _all_overdue(offices, clocks)
    with schema_context(street_a.schema_name):
        assert not Clock.objects.filter(due_at__year=2000).exists()  # the failed work left nothing behind
    assert Notification.objects.filter(user=users["grid_worker"], kind="overdue", title__contains="暖气不热").exists()
    # The operators hear about it once per street and hour, not once a minute.
    alerts = Notification.objects.filter(user=operator, kind="scan_failed")
    assert [a.dedupe_key.split(":")[1] for a in alerts] == [street_a.schema_name]


def test_a_clock_the_database_refuses_is_skipped_and_the_others_change(street_a, street_b, users, operator):
    good = due_clock(street_a, users["grid_worker"])
    other_street = due_clock(street_b, users["grid_worker"])
    with schema_context(street_a.schema_name):
        # A row that breaks a rule the database checks on every UPDATE (e.g. loaded before the rule
        # existed): the constraint is re-added NOT VALID, so old rows stay but cannot be changed.
        bad = due_clock(street_a, users["grid_worker"])
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE deadlines_clock DROP CONSTRAINT clock_warn_before_due")
            cursor.execute("UPDATE deadlines_clock SET warn_at = due_at + interval '1 day' WHERE id = %s", [bad])
            cursor.execute(
                "ALTER TABLE deadlines_clock ADD CONSTRAINT clock_warn_before_due CHECK (warn_at <= due_at) NOT VALID"
            )

    result = clock_scan(now=T0, schemas=[street_a.schema_name, street_b.schema_name])

    assert (state(street_a, good), state(street_b, other_street), state(street_a, bad)) == (
        "overdue", "overdue", "on_track"
    )
    assert [f for f in result["failed"] if f"clock {bad}:" in f], result["failed"]
    assert Notification.objects.filter(user=operator, kind="scan_failed").exists()


def test_a_clock_that_cannot_be_processed_is_skipped(street_a, users, monkeypatch):
    from core.deadlines import scanner

    good, bad = due_clock(street_a, users["grid_worker"]), due_clock(street_a, users["community_director"])
    original = scanner._step_up

    def step_up(people, clock, now, *, overdue):
        if clock.pk == bad:
            raise OverflowError("date value out of range")
        return original(people, clock, now, overdue=overdue)

    monkeypatch.setattr(scanner, "_step_up", step_up)
    result = clock_scan(now=T0, schemas=[street_a.schema_name])

    assert (state(street_a, good), state(street_a, bad)) == ("overdue", "on_track")
    assert result["overdue"] == 1
    assert any(f"clock {bad}: OverflowError" in f for f in result["failed"])


def test_an_idle_minute_asks_one_question_for_all_streets(street_a, street_a2, street_b):
    schemas = [street_a.schema_name, street_a2.schema_name, street_b.schema_name]
    for _ in range(10):  # the first scans make the campaign's clocks and catch up on their escalations
        done = clock_scan(now=T0, schemas=schemas)
        if done["due_soon"] == done["overdue"] == done["escalated"] == 0:
            break

    with CaptureQueriesContext(connection) as queries:
        result = clock_scan(now=T0, schemas=schemas)

    clock_statements = [q["sql"] for q in queries.captured_queries if "deadlines_clock" in q["sql"]]
    assert result["due_soon"] == result["overdue"] == result["escalated"] == 0
    assert len(clock_statements) == 1 and " UNION ALL " in clock_statements[0], clock_statements
