"""No statement runs in another street's schema although ``SET search_path`` is sent only when needed.

The backend (nuandong/db_backend) remembers the path it set and forgets it whenever PostgreSQL may
have undone or changed it. Every check here asks PostgreSQL itself which schemas a statement sent
through Django searched (``current_schemas``), never Django's own belief.
"""

from __future__ import annotations

import random

import pytest
from celery.result import AsyncResult
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from nuandong.celery import app
from nuandong.tasks import worker_ping


def searched(conn=connection) -> list[str]:
    """The schemas PostgreSQL searched for a statement sent through ``conn`` (as Django sends it)."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT current_schemas(false)::text[]")
        return list(cursor.fetchone()[0])


def expected(schema: str) -> list[str]:
    return ["public"] if schema == "public" else [schema, "public"]


@pytest.fixture
def own_connection(db):
    """A second connection of its own (autocommit, outside the test's transaction) as ``probe``."""
    conn = connections.create_connection("default")
    connections["probe"] = conn
    yield conn
    conn.close()
    del connections["probe"]


def test_set_is_sent_once_per_schema_not_per_statement(street_a, street_b):
    with schema_context(street_a.schema_name):
        searched()  # the path of street A is now set
        with CaptureQueriesContext(connection) as queries:
            for _ in range(3):
                assert searched() == expected(street_a.schema_name)
        with schema_context(street_b.schema_name), CaptureQueriesContext(connection) as switched:
            assert searched() == expected(street_b.schema_name)
            assert searched() == expected(street_b.schema_name)

    assert [q["sql"] for q in queries.captured_queries if "search_path" in q["sql"]] == []
    assert len(queries.captured_queries) == 3
    assert [q["sql"].startswith("SET search_path") for q in switched.captured_queries] == [True, False, False]


def test_rollback_of_a_transaction_that_set_the_path(own_connection, street_a, street_b):
    conn = own_connection
    conn.set_schema(street_b.schema_name)
    assert searched(conn) == expected(street_b.schema_name)  # B committed (autocommit)

    with pytest.raises(ZeroDivisionError), transaction.atomic(using="probe"):
        conn.set_schema(street_a.schema_name)
        assert searched(conn) == expected(street_a.schema_name)  # SET A inside the transaction
        raise ZeroDivisionError  # ROLLBACK: PostgreSQL is back on B

    assert conn.schema_name == street_a.schema_name
    assert searched(conn) == expected(street_a.schema_name)


def test_rollback_after_a_failed_statement(own_connection, street_a, street_b):
    conn = own_connection
    conn.set_schema(street_b.schema_name)
    searched(conn)
    with pytest.raises(DatabaseError), transaction.atomic(using="probe"):
        conn.set_schema(street_a.schema_name)
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")

    assert searched(conn) == expected(street_a.schema_name)


def test_savepoint_rollback_inside_a_schema_switch(street_a, street_b):
    with schema_context(street_a.schema_name), transaction.atomic():
        assert searched() == expected(street_a.schema_name)
        with schema_context(street_b.schema_name):
            with pytest.raises(ZeroDivisionError), transaction.atomic():
                assert searched() == expected(street_b.schema_name)  # SET B after the savepoint
                raise ZeroDivisionError  # ROLLBACK TO SAVEPOINT: PostgreSQL is back on A
            assert searched() == expected(street_b.schema_name)
        assert searched() == expected(street_a.schema_name)


def test_schema_switches_inside_one_atomic_block_write_where_selected(street_a, street_b):
    from core.audit.models import AuditEvent

    with transaction.atomic():
        for office in (street_a, street_b, street_a):
            with schema_context(office.schema_name):
                AuditEvent.objects.create(
                    at=timezone.now(), action=f"probe.{office.schema_name}", object_repr="search path probe"
                )
                assert searched() == expected(office.schema_name)
        for office, count in ((street_a, 2), (street_b, 1)):
            with schema_context(office.schema_name):
                assert AuditEvent.objects.filter(action=f"probe.{office.schema_name}").count() == count
                assert not AuditEvent.objects.exclude(action=f"probe.{office.schema_name}").filter(
                    action__startswith="probe."
                ).exists()


@pytest.mark.parametrize(
    "statement",
    [
        "SET search_path = public",
        "SELECT set_config('search_path', 'public', false)",
        "RESET search_path",
        "DISCARD ALL",
    ],
)
def test_a_path_changed_by_hand_is_set_again(own_connection, street_a, statement):
    conn = own_connection
    conn.set_schema(street_a.schema_name)
    searched(conn)
    with conn.cursor() as cursor:
        cursor.execute(statement)

    assert searched(conn) == expected(street_a.schema_name)


def test_transaction_local_path_of_the_cloner_does_not_outlive_its_commit(own_connection, street_a):
    conn = own_connection
    conn.set_schema(street_a.schema_name)
    with transaction.atomic(using="probe"):
        with conn.cursor() as cursor:
            cursor.execute("SELECT set_config('search_path', 'public', true)")
        assert searched(conn) == expected(street_a.schema_name)
    assert searched(conn) == expected(street_a.schema_name)


def test_reconnect_and_same_schema_again(own_connection, street_a):
    conn = own_connection
    conn.set_schema(street_a.schema_name)
    searched(conn)
    conn.close()
    assert searched(conn) == expected(street_a.schema_name)  # new physical connection: SET again
    conn.set_schema(street_a.schema_name)  # e.g. the next request of the same street
    with CaptureQueriesContext(conn) as queries:
        assert searched(conn) == expected(street_a.schema_name)
    assert len(queries.captured_queries) == 1


@pytest.mark.parametrize("seed", range(6))
def test_random_interleavings_never_run_a_statement_elsewhere(own_connection, street_a, street_a2, street_b, seed):
    """Random walks over switches, transactions, savepoints, failures and hand-made SETs."""
    conn = own_connection
    rng = random.Random(seed)
    schemas = ["public", street_a.schema_name, street_a2.schema_name, street_b.schema_name]
    savepoints: list[str] = []
    in_transaction = False
    for _step in range(150):
        move = rng.choice(["switch", "switch", "begin", "savepoint", "release", "undo", "commit", "rollback",
                           "fail", "by_hand", "probe", "probe"])
        if move == "switch":
            conn.set_schema(rng.choice(schemas))
        elif move == "begin" and not in_transaction:
            conn.set_autocommit(False)
            in_transaction = True
        elif move == "savepoint" and in_transaction:
            savepoints.append(conn.savepoint())
        elif move == "release" and savepoints:
            conn.savepoint_commit(savepoints.pop())
        elif move == "undo" and savepoints:
            conn.savepoint_rollback(savepoints.pop())
        elif move in ("commit", "rollback") and in_transaction and not conn.needs_rollback:
            conn.commit() if move == "commit" else conn.rollback()
            conn.set_autocommit(True)
            savepoints.clear()
            in_transaction = False
        elif move == "fail" and savepoints:
            with pytest.raises(DatabaseError), conn.cursor() as cursor:
                cursor.execute("SELECT 1 / 0")
            conn.savepoint_rollback(savepoints.pop())
        elif move == "by_hand":
            with conn.cursor() as cursor:
                cursor.execute(f'SET search_path = "{rng.choice(schemas)}"')
        assert searched(conn) == expected(conn.schema_name), f"step {_step}: {move}"
    if in_transaction:
        conn.rollback()
        conn.set_autocommit(True)


def test_tasks_of_different_streets_in_one_worker_run_in_their_own_schema(
    celery_worker_process, street_a, street_b
):
    ids = []
    for office in [street_a, street_b, street_a, "public", street_b, street_a]:
        schema = office if isinstance(office, str) else office.schema_name
        with schema_context(schema):
            ids.append((schema, worker_ping.apply_async().id))

    for schema, task_id in ids:
        result = AsyncResult(task_id, app=app).get(timeout=30)
        assert result["schema"] == schema
        assert result["db_schemas"] == expected(schema)
