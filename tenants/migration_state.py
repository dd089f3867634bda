"""Which schemas still need migrating, told by comparing recorded migration state (one statement).

``nuandong setup`` runs on every start. Running ``migrate_schemas`` for every street office costs
about 65 ms per office even when nothing changed; comparing each schema's ``django_migrations``
with the migrations on disk costs one statement for all of them, so a start with every schema
current takes the same time with 7 or 100 street offices.
"""

from __future__ import annotations

from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader


def migrations_on_disk() -> list[tuple[str, str]]:
    """Every migration (app label, name) of the project, as ``migrate`` would apply them."""
    return sorted(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def schemas_behind(schemas: list[str]) -> list[str] | None:
    """The ``schemas`` that lack a migration on disk (in their ``django_migrations``), in order.

    None when that cannot be told (e.g. a schema without the table yet): migrate them all then.
    Every migration is recorded in every schema (django-tenants records the shared apps' in each
    street too), so "current" means: the recorded set holds all of them.
    """
    if not schemas:
        return []
    expected = migrations_on_disk()
    apps = [app for app, _name in expected]
    names = [name for _app, name in expected]
    parts = [
        f"SELECT %(s{i})s, count(DISTINCT (m.app, m.name)) FROM \"{schema}\".django_migrations m "
        "JOIN unnest(%(apps)s::text[], %(names)s::text[]) AS e(app, name) ON m.app = e.app AND m.name = e.name"
        for i, schema in enumerate(schemas)
    ]
    params = {"apps": apps, "names": names} | {f"s{i}": schema for i, schema in enumerate(schemas)}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            counts = dict(cursor.fetchall())
    except DatabaseError:
        return None
    return [schema for schema in schemas if counts.get(schema, 0) < len(expected)]
