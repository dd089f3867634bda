from __future__ import annotations

from django.db.models import QuerySet

from core.audit.models import AuditEvent


def audit_events_for(
    *, object_type: str | None = None, object_id: str | int | None = None
) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id is not None:
        qs = qs.filter(object_id=str(object_id))
    return qs
