"""Turn a service's ValidationError into form errors (field errors where the field exists)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def errors_of(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            key: [str(m) for m in ValidationError(value).messages] for key, value in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    for key, messages in errors_of(exc).items():
        field = key if key in form.fields else None
        for message in messages:
            form.add_error(field, message)
