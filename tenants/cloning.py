"""Fast creation of a street office's schema: copy the migrated template schema.

django-tenants either replays every tenant migration into a new schema (slow, and slower with
each migration added) or runs its generic ``clone_schema`` PL/pgSQL function (re-installed on
every call, and about as slow as migrating while the schema is small). This copies exactly what
tenant migrations create — functions, tables with identity columns, their rows (migration
history, content types), constraints, indexes, triggers — with the original names, in the
caller's transaction. Anything else in the template (views, sequences of their own, types...)
makes ``schema_clone`` answer False so the caller falls back to django-tenants' full clone.

tests/tenants/test_cloning.py proves a clone equals a freshly migrated schema, catalog entry by
catalog entry; a migration that adds something new here fails that test first.
docs/adr/0003-tenant-creation-by-cloning.md, timings in docs/benchmarks.md.
"""

from __future__ import annotations

import re

from django.db import connection, transaction
from django_tenants.utils import schema_exists

# Relation kinds a tenant migration makes today: tables, indexes, identity sequences (pg_class.relkind).
SUPPORTED_RELKINDS = {"r", "i", "S"}
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _requalify(sql: str, source: str, target: str) -> str:
    """Point DDL printed for the source schema at the target schema."""
    return re.sub(
        rf'(?<![\w"]){re.escape(source)}\.', f"{target}.", sql.replace(f'"{source}".', f"{target}.")
    )


def _unsupported(cursor, source: str) -> list[str]:
    """What the fast path cannot copy (its presence means: use django-tenants' full clone)."""
    cursor.execute(
        """
        SELECT c.relkind::text || ':' || c.relname FROM pg_class c
         WHERE c.relnamespace = %(s)s::regnamespace AND c.relkind::text <> ALL(%(kinds)s::text[])
        UNION ALL
        SELECT 'sequence:' || c.relname FROM pg_class c
         WHERE c.relnamespace = %(s)s::regnamespace AND c.relkind = 'S'
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'i')
        UNION ALL
        SELECT 'type:' || t.typname FROM pg_type t
         WHERE t.typnamespace = %(s)s::regnamespace AND t.typtype <> 'c'
           AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
        UNION ALL
        SELECT 'routine:' || p.proname FROM pg_proc p
         WHERE p.pronamespace = %(s)s::regnamespace AND p.prokind <> 'f'
        UNION ALL
        SELECT 'rule:' || r.rulename FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
         WHERE c.relnamespace = %(s)s::regnamespace
        UNION ALL
        SELECT 'policy:' || p.polname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
         WHERE c.relnamespace = %(s)s::regnamespace
        """,
        {"s": source, "kinds": sorted(SUPPORTED_RELKINDS)},
    )
    return [row[0] for row in cursor.fetchall()]


@transaction.atomic
def schema_clone(*, source: str, target: str) -> bool:
    """Create schema ``target`` as a copy of ``source``. False (and nothing done) when not supported.

    Runs in the caller's transaction: when the caller rolls back, the new schema is gone too.
    """
    if not (_IDENT.match(source) and _IDENT.match(target)):
        return False
    with connection.cursor() as cursor:
        if _unsupported(cursor, source) or schema_exists(target):
            return False
        # Catalog DDL is printed schema-qualified only for schemas off the search path.
        cursor.execute("SELECT set_config('search_path', 'public', true)")
        # Read everything first, then send all the DDL in one round trip (a round trip costs more than
        # most of these statements on a busy machine).
        ddl = [f"CREATE SCHEMA {_q(target)}"]
        cursor.execute(
            "SELECT pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.pronamespace = %s::regnamespace ORDER BY p.oid",
            [source],
        )
        ddl += [_requalify(row[0], source, target) for row in cursor.fetchall()]

        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = %s::regnamespace AND c.relkind = 'r' "
            "ORDER BY c.oid",
            [source],
        )
        for (table,) in cursor.fetchall():
            # Columns, NOT NULL, defaults, identity (fresh sequences, same names), generated columns;
            # then the rows (migration history, content types...): copying an empty table costs nothing.
            ddl.append(
                f"CREATE TABLE {_q(target)}.{_q(table)} (LIKE {_q(source)}.{_q(table)} INCLUDING DEFAULTS "
                "INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS)"
            )
            ddl.append(
                f"INSERT INTO {_q(target)}.{_q(table)} OVERRIDING SYSTEM VALUE SELECT * FROM {_q(source)}.{_q(table)}"
            )

        # Identity sequences continue where the template's stand. Only the template's own identity
        # sequences are read (pg_depend 'i' links each to its column): the pg_sequences view would
        # read every sequence of every schema, a cost growing with the number of street offices.
        # The catalog rows are narrowed to the template's own sequences first (a MATERIALIZED CTE is a
        # fence): pg_sequence_last_value must never be called on another schema's sequence, which a
        # plan chosen after ANALYZE may do otherwise — and fail on one being dropped meanwhile
        # ("could not open relation with OID ...").
        cursor.execute(
            """
            WITH own AS MATERIALIZED (
                SELECT c.relname, a.attname, d.objid
                  FROM pg_depend d
                  JOIN pg_class q ON q.oid = d.objid AND q.relkind = 'S'
                  JOIN pg_class c ON c.oid = d.refobjid
                  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
                 WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
                   AND d.deptype = 'i' AND c.relnamespace = %s::regnamespace AND a.attidentity <> ''
                   AND q.relnamespace = %s::regnamespace
            )
            SELECT relname, attname, pg_sequence_last_value(objid) FROM own
            """,
            [source, source],
        )
        for table, column, last_value in cursor.fetchall():
            if last_value is None:  # never used: the new sequence starts where a fresh one does
                continue
            qualified = f"{_q(target)}.{_q(table)}".replace("'", "''")
            column_literal = column.replace("'", "''")
            ddl.append(
                f"SELECT setval(pg_get_serial_sequence('{qualified}', '{column_literal}'), {int(last_value)})"
            )

        # Constraints (primary, unique, check, exclusion, then foreign keys), keeping their names.
        cursor.execute(
            """
            SELECT c.relname, k.conname, pg_get_constraintdef(k.oid)
              FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
             WHERE c.relnamespace = %s::regnamespace AND k.contype IN ('p', 'u', 'c', 'x', 'f')
             ORDER BY (k.contype = 'f'), k.oid
            """,
            [source],
        )
        ddl += [
            f"ALTER TABLE {_q(target)}.{_q(table)} ADD CONSTRAINT {_q(name)} " + _requalify(definition, source, target)
            for table, name, definition in cursor.fetchall()
        ]

        # Indexes that back no constraint (those came with their constraint).
        cursor.execute(
            """
            SELECT pg_get_indexdef(i.indexrelid)
              FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE c.relnamespace = %s::regnamespace
               AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
             ORDER BY i.indexrelid
            """,
            [source],
        )
        ddl += [_requalify(row[0], source, target) for row in cursor.fetchall()]

        cursor.execute(
            """
            SELECT pg_get_triggerdef(t.oid)
              FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
             WHERE c.relnamespace = %s::regnamespace AND NOT t.tgisinternal
             ORDER BY t.oid
            """,
            [source],
        )
        ddl += [_requalify(row[0], source, target) for row in cursor.fetchall()]
        # One round trip; no parameters, so PostgreSQL runs them as one multi-statement query, in
        # the caller's transaction. Printed DDL holds no '%' placeholders (none is passed).
        cursor.execute(";\n".join(ddl))
    connection.search_path_set_schemas = None  # django-tenants sets its own path again on next use
    return True
