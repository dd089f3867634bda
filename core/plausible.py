"""The one rule for plausible dates of work entered by people (issue 10 §6).

A visit, a request, a deadline, a phase or a calendar day lies within ``WINDOW_YEARS`` years of
today (Beijing time); anything else — a visit in year 1, a phase task due 2000-01-03 — is a typing
error, refused where it comes in (forms, API serializers, services) before it can reach a clock.
Birth dates follow their own rule (``core.registry.idnumbers.id_parse``).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

WINDOW_YEARS = 5


def plausible_window(now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """(earliest, latest) accepted local dates, inclusive."""
    today = timezone.localdate(now or timezone.now())
    return today.replace(year=today.year - WINDOW_YEARS, day=min(today.day, 28)), today.replace(
        year=today.year + WINDOW_YEARS, day=min(today.day, 28)
    )


def plausible_date(value, now: dt.datetime | None = None) -> None:
    """Validator for dates and aware datetimes; raises ``ValidationError`` (Chinese / English)."""
    if value is None:
        return
    if isinstance(value, dt.datetime):
        try:
            day = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        except (OverflowError, ValueError):
            day = value.date()
    else:
        day = value
    earliest, latest = plausible_window(now)
    if not earliest <= day <= latest:
        raise ValidationError(
            f"日期不合理：应在 {earliest:%Y-%m-%d} 至 {latest:%Y-%m-%d} 之间 / implausible date: "
            f"expected between {earliest:%Y-%m-%d} and {latest:%Y-%m-%d}",
            code="implausible_date",
        )


def ensure_plausible(*, now: dt.datetime | None = None, **values) -> None:
    """Service-level check: ``ensure_plausible(due_on=..., visited_at=...)``; one ValidationError
    keyed by field for every implausible value (None is skipped)."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        try:
            plausible_date(value, now)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
