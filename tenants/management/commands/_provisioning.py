from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


def raise_clear(exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        lines = [f"{field}: {msg}" for field, msgs in exc.message_dict.items() for msg in msgs]
    else:
        lines = list(exc.messages)
    raise CommandError("\n".join(lines))
