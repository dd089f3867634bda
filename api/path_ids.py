"""Ids in API paths: a path id that is not a whole number in range is 404, never a 500 (issue 10 §7).

Routers accept any segment as ``{pk}`` (and actions such as ``photos/{photo_id}``); the base class
calls ``check_path_ids`` before the view runs, so no view ever hands "abc" or a 30-digit number to
the database.
"""

from __future__ import annotations

from rest_framework.exceptions import NotFound

MAX_ID = 2**63 - 1  # PostgreSQL bigint


def is_id(value) -> bool:
    text = str(value)
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID


def check_path_ids(kwargs: dict) -> None:
    """Raise ``NotFound`` when a path argument named ``pk`` / ``id`` / ``*_id`` is not a valid id."""
    for name, value in kwargs.items():
        if (name in ("pk", "id") or name.endswith("_id")) and not is_id(value):
            raise NotFound()
