"""Bulk INSERT by PostgreSQL COPY for set-based writers (the roster import, batch audit rows).

``copy_insert(Model, objs)`` takes primary keys from the table's identity sequence first (so the
objects know their ids, as after ``save()``), then streams every concrete field through COPY in the
current schema. Field values are prepared as ``save()`` would (``pre_save`` for auto_now fields,
``get_db_prep_save``); no signals, no ``clean``: callers validate first. Must run inside a
transaction with the rows' other writes.
"""

from __future__ import annotations

from django.db import connection, models


def copy_insert(model: type[models.Model], objs: list[models.Model]) -> list[models.Model]:
    if not objs:
        return objs
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    pk_column = meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk_column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
    fields = [f for f in meta.concrete_fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(obj, add=True), connection=connection) for f in fields]
                )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs
