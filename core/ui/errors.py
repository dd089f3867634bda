"""The one way a page shows a service's refusal (issue 7): the Chinese half of each "中文 / English"
message — on the form field it belongs to (``apply_errors``), or as one line in the page's message
area (``error_text``, ``run_and_report``). A refusal is a ``ValidationError`` (bad input, a step
the status does not allow) or a ``PermissionDenied`` (role or reach, from ``ensure_can`` /
``ensure_reach``); both are shown, neither becomes an error page."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.safestring import SafeString

_ENGLISH_HALF = re.compile(r"\s*/\s*(?=[A-Za-z])")


def zh(message: str) -> str:
    """The Chinese half of a "中文 / English" message (the whole message if it has no English half)."""
    if isinstance(message, SafeString):
        return message  # already composed for the page (e.g. with a link)
    return _ENGLISH_HALF.split(str(message), maxsplit=1)[0].strip()


_NOT_ALLOWED = "当前角色无权执行此操作"


def errors_of(exc: ValidationError | PermissionDenied) -> dict[str, list[str]]:
    """``{field or "__all__": [Chinese messages]}``."""
    if isinstance(exc, PermissionDenied):
        return {"__all__": [zh(str(exc)) or _NOT_ALLOWED]}
    if hasattr(exc, "error_dict"):
        return {
            key: [zh(m) for m in ValidationError(value).messages] for key, value in exc.error_dict.items()
        }
    return {"__all__": [zh(m) for m in exc.messages]}


def apply_errors(form: forms.Form, exc: ValidationError | PermissionDenied) -> None:
    """Put the refusal on ``form``: on the field it names when the form has it, else on the form."""
    for key, messages in errors_of(exc).items():
        field = key if key in form.fields else None
        for message in messages:
            form.add_error(field, message)


def error_text(exc: ValidationError | PermissionDenied) -> str:
    """One line for a page's message area: the Chinese half of every message, joined."""
    return "；".join(m for messages in errors_of(exc).values() for m in messages)


def run_and_report(request, call, *, success: str) -> bool:
    """Run a service call for a page: success or the service's refusal becomes a message. True on success."""
    from django.contrib import messages

    try:
        call()
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
        return False
    messages.success(request, success)
    return True
