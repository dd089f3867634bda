"""A street office's schema copied from the template equals one built by running every migration.

Compared catalog entry by catalog entry (columns, constraints, indexes, triggers, functions,
relations, migration history, content types). A future migration that creates something the
fast copy does not handle makes this test fail; extend tenants/cloning.py then.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from tenants.cloning import schema_clone

CATALOG = {
    "relations": """
        SELECT c.relname, c.relkind::text FROM pg_class c WHERE c.relnamespace = %(s)s::regnamespace""",
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity::text,
               a.attgenerated::text, coalesce(pg_get_expr(d.adbin, d.adrelid), '')
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE c.relnamespace = %(s)s::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped""",
    "constraints": """
        SELECT c.relname, k.conname, k.contype::text, pg_get_constraintdef(k.oid)
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
         WHERE c.relnamespace = %(s)s::regnamespace AND k.contype <> 'n'""",
    "indexes": """
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
          FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = %(s)s::regnamespace""",
    "triggers": """
        SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE c.relnamespace = %(s)s::regnamespace AND NOT t.tgisinternal""",
    "functions": "SELECT pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.pronamespace = %(s)s::regnamespace",
}


def _same_meaning(sql: str) -> str:
    """Expressions printed back and parsed again come out with casts placed differently
    (``ARRAY['a'::varchar]::text[]`` vs ``ARRAY[('a'::varchar)::text]``); compare without them."""
    return re.sub(r"::[a-z ]+(\[\])?|[()\[\]]", "", sql)


def catalog(schema: str) -> dict[str, set]:
    result = {}
    with connection.cursor() as cursor:
        cursor.execute("SET search_path = public")
        for key, sql in CATALOG.items():
            cursor.execute(sql, {"s": schema})
            result[key] = {
                tuple(re.sub(rf"\b{schema}\.", "<schema>.", v) if isinstance(v, str) else v for v in row)
                for row in cursor.fetchall()
            }
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        result["migrations"] = set(cursor.fetchall())
        for key in ("indexes", "constraints"):
            result[key] = {
                tuple(_same_meaning(v) if isinstance(v, str) else v for v in row) for row in result[key]
            }
        cursor.execute(f'SELECT app_label, model FROM "{schema}".django_content_type')
        result["content_types"] = set(cursor.fetchall())
    connection.search_path_set_schemas = None
    return result


def test_a_cloned_schema_equals_a_migrated_schema(db):
    assert schema_clone(source=settings.TENANT_BASE_SCHEMA, target="zz_cloned") is True
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "zz_migrated"')
    call_command("migrate_schemas", schema_name="zz_migrated", interactive=False, verbosity=0)
    connection.set_schema_to_public()

    cloned, migrated = catalog("zz_cloned"), catalog("zz_migrated")

    assert cloned["relations"], "the template has tables"
    for key in migrated:
        assert cloned[key] == migrated[key], key


def test_a_cloned_schema_takes_new_rows_and_keeps_the_audit_trigger(db):
    schema_clone(source=settings.TENANT_BASE_SCHEMA, target="zz_rows")
    with connection.cursor() as cursor:
        cursor.execute('SELECT max(id) FROM "zz_rows".django_migrations')
        last_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO zz_rows.django_migrations (app, name, applied) VALUES ('t', 't', now()) RETURNING id"
        )
        assert cursor.fetchone()[0] > last_id
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'zz_rows.audit_auditevent'::regclass")
        assert [row[0] for row in cursor.fetchall()] == ["audit_event_append_only"]


def test_clone_refuses_an_existing_target_and_changes_nothing(db):
    assert schema_clone(source=settings.TENANT_BASE_SCHEMA, target="public") is False
    assert schema_clone(source=settings.TENANT_BASE_SCHEMA, target="Bad-Name") is False
