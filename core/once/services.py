"""Claiming one-time keys (web form tokens, API ``Idempotency-Key``) so that work happens once.

``once_claim`` must run inside the transaction that does the work. It inserts the key with
``INSERT … ON CONFLICT DO NOTHING``: PostgreSQL makes a second, simultaneous claim of the same key
wait until the first transaction ends. If that one committed, the second finds the stored answer
(``fresh=False``) and replays it; if it rolled back, the second claim succeeds and does the work.
So the work and the record of its answer commit together or not at all.

These rows are technical (no audit event): the work they guard is audited by its own service.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from core.once.models import OnceKey

DEFAULT_TTL = timedelta(hours=24)


def once_ttl() -> timedelta:
    """How long a key is remembered: ``settings.ONCE_KEY_TTL_HOURS`` (default 24 hours)."""
    hours = getattr(settings, "ONCE_KEY_TTL_HOURS", None)
    return timedelta(hours=hours) if hours else DEFAULT_TTL


@dataclass
class Claim:
    record: OnceKey
    fresh: bool  # True: this request does the work; False: ``record`` holds the first answer
    schema: str = ""  # where the key lives (the work in between may switch schemas)


def once_claim(*, kind: str, user_id: int, key: str, scope: str = "", fingerprint: str = "",
               now: datetime | None = None) -> Claim:
    """Claim ``key`` for ``user_id`` in the current schema (waits for a simultaneous claim to end).

    An expired key is claimed afresh. Raises ``TransactionManagementError`` outside a transaction.
    """
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("once_claim must run inside the work's transaction")
    now = now or timezone.now()
    expires = now + once_ttl()
    table = connection.ops.quote_name(OnceKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (kind, scope, user_id, key, fingerprint, status_code, body, location,"  # noqa: S608
            " created_at, expires_at) VALUES (%s, %s, %s, %s, %s, NULL, '', '', %s, %s)"
            " ON CONFLICT (kind, scope, user_id, key) DO NOTHING RETURNING id",
            [kind, scope, user_id, key, fingerprint, now, expires],
        )
        row = cursor.fetchone()
    schema = connection.schema_name
    if row is not None:
        return Claim(record=OnceKey.objects.get(pk=row[0]), fresh=True, schema=schema)
    record = OnceKey.objects.select_for_update().get(kind=kind, scope=scope, user_id=user_id, key=key)
    if record.expires_at <= now:
        record.fingerprint, record.status_code, record.body, record.location = fingerprint, None, "", ""
        record.created_at, record.expires_at = now, expires
        record.save()
        return Claim(record=record, fresh=True, schema=schema)
    return Claim(record=record, fresh=False, schema=schema)


def once_scope(member) -> str:
    """Key scope: "" inside a street office's schema; the district's code on the district site."""
    if member is not None and getattr(member, "street_office", None) is None and getattr(member, "district", None):
        return member.district.code
    return ""


def _in_schema(schema: str):
    return schema_context(schema) if schema and schema != connection.schema_name else nullcontext()


def once_store(*, claim: Claim, status_code: int, body: str = "", location: str = "") -> None:
    """Record the answer of the work done under ``claim`` (same transaction as the work)."""
    record = claim.record
    record.status_code, record.body, record.location = status_code, body, location[:2000]
    with _in_schema(claim.schema):
        record.save(update_fields=["status_code", "body", "location"])


def once_release(*, claim: Claim) -> None:
    """Forget ``claim`` (the work did not happen): the same key may be used again."""
    with _in_schema(claim.schema):
        OnceKey.objects.filter(pk=claim.record.pk).delete()


def once_purge_expired(*, now: datetime | None = None) -> int:
    """Delete expired keys in the current schema; returns how many."""
    deleted, _ = OnceKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
