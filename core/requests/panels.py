"""The requests domain's contributions to other domains' pages (core.ui.panels)."""

from __future__ import annotations

from core.requests.selectors import RequestFilters, request_list
from core.ui.panels import register_panel


def household_requests(*, member, subject) -> dict | None:
    """The household's requests (all statuses, newest 50) for roles with ``request.view``."""
    if not member.can("request.view"):
        return None
    filters = RequestFilters(status="all", household_id=subject.pk)
    return {"requests": list(request_list(member=member, filters=filters)[:50])}


def register() -> None:
    register_panel(
        "household", key="requests", order=10, template="requests/_household_panel.html", context=household_requests
    )
