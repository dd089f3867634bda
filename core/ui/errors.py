"""Turn a service's ValidationError into what a page shows: the Chinese half of each
"中文 / English" message, on the field it belongs to where the form has that field."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString

_ENGLISH_HALF = re.compile(r"\s*/\s*(?=[A-Za-z])")


def zh(message: str) -> str:
    """The Chinese half of a "中文 / English" message (the whole message if it has no English half)."""
    if isinstance(message, SafeString):
        return message  # already composed for the page (e.g. with a link)
    return _ENGLISH_HALF.split(str(message), maxsplit=1)[0].strip()


def errors_of(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            key: [zh(m) for m in ValidationError(value).messages] for key, value in exc.error_dict.items()
        }
    return {"__all__": [zh(m) for m in exc.messages]}


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    for key, messages in errors_of(exc).items():
        field = key if key in form.fields else None
        for message in messages:
            form.add_error(field, message)


def error_text(exc: ValidationError) -> str:
    """One line for a page's message area: the Chinese half of every message, joined."""
    return "；".join(zh(m) for m in exc.messages)


def run_and_report(request, call, *, success: str) -> bool:
    """Run a service call for a page: success or the service's refusal becomes a message. True on success."""
    from django.contrib import messages

    try:
        call()
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return False
    messages.success(request, success)
    return True
