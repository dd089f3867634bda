"""Putting a service's ValidationError onto a Django form (field errors where the field exists)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def add_service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)
