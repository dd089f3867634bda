"""Logging filters (issue 12 §14): a refused request is a normal event, not a crash."""

from __future__ import annotations

import logging


class QuietForbidden(logging.Filter):
    """Django logs every 403 (PermissionDenied) on ``django.request`` with the exception's traceback;
    keep the one-line warning (method, path, status) and drop the traceback. Other errors keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.request" and getattr(record, "status_code", None) == 403 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
