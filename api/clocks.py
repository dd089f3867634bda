"""Clock fields every domain's API shares (a kit module: domain API modules import it, never each other)."""

from __future__ import annotations

from rest_framework import serializers

from core.deadlines.selectors import subject_next_due


def next_due_representation(obj) -> str | None:
    """``next_due_at`` as the API writes datetimes: a list's annotation, else read from the subject's
    open clocks (the earliest due time; None when none is open)."""
    value = obj.next_due_at if hasattr(obj, "next_due_at") else subject_next_due(obj)
    return None if value is None else serializers.DateTimeField().to_representation(value)
