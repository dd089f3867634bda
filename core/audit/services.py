"""The one audit writer. Every service that changes data calls ``audit_record`` inside its transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import connection, models
from django.utils import timezone

from core.audit.actions import ensure_audit_action
from core.audit.context import current_request_id
from core.audit.models import AuditEvent

# Fields never copied into the trail in clear (the trail must not become a second copy of secrets).
SECRET_FIELDS = frozenset({"password", "id_number_encrypted", "key"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return "<bytes>"
    return value


def model_snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a model instance, ready for ``before`` / ``after``."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return {name: ("***" if name in SECRET_FIELDS else _jsonable(getattr(obj, name))) for name in names}


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    """Write one audit event in the current schema.

    ``actor`` is a ``Member``, a ``User`` or ``None`` (the system: scheduled tasks, setup).
    ``action`` must be listed in ``core.audit.actions.AUDIT_ACTIONS`` (``ValueError`` otherwise).
    """
    ensure_audit_action(action)
    user = getattr(actor, "user", actor)
    role = getattr(actor, "role", "") or ""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk or ""
    return AuditEvent.objects.create(
        at=timezone.now(),
        actor_id=getattr(user, "pk", None),
        actor_name=(user.display_name() if hasattr(user, "display_name") else str(user))
        if user
        else "system",
        actor_role=role,
        schema_name=connection.schema_name,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=str(obj)[:200] if obj is not None else "",
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        reason=reason[:500],
        request_id=current_request_id(),
    )


def audit_record_many(*, actor: Any, events: list[dict]) -> int:
    """Write many audit events at once (one COPY), e.g. the row-level detail of an import.

    Each event is a dict of ``audit_record``'s keywords except ``actor`` (``action``, ``obj`` or
    ``object_type``/``object_id``, ``before``, ``after``, ``reason``); one actor, time and request
    for all. Returns the number written.
    """
    user = getattr(actor, "user", actor)
    role = getattr(actor, "role", "") or ""
    actor_name = (user.display_name() if hasattr(user, "display_name") else str(user)) if user else "system"
    at, schema, request_id = timezone.now(), connection.schema_name, current_request_id()
    rows = []
    for event in events:
        ensure_audit_action(event["action"])
        obj = event.get("obj")
        rows.append(
            AuditEvent(
                at=at,
                actor_id=getattr(user, "pk", None),
                actor_name=actor_name,
                actor_role=role,
                schema_name=schema,
                action=event["action"],
                object_type=event.get("object_type") or (obj._meta.label_lower if obj is not None else ""),
                object_id=str(event.get("object_id") or (obj.pk if obj is not None else "")),
                object_repr=str(obj)[:200] if obj is not None else "",
                before=_jsonable(event["before"]) if event.get("before") is not None else None,
                after=_jsonable(event["after"]) if event.get("after") is not None else None,
                reason=(event.get("reason") or "")[:500],
                request_id=request_id,
            )
        )
    from core.bulk import copy_insert

    copy_insert(AuditEvent, rows)
    return len(rows)
