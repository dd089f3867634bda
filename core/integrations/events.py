"""The domain events a webhook may subscribe to: a chosen part of ``core.events.types`` (ADR 0040).

Frequent, person-level events (a visit saved, a household registered) are left out; an integrator
reads those through the API. The payload a webhook carries is the event's payload without
``PERSONAL_KEYS`` (the requester's name and words): fetch them with an API key when needed.
"""

from __future__ import annotations

from core.events.types import EVENT_TYPES as DOMAIN_EVENT_TYPES

WEBHOOK_EVENTS = (
    "request.created",
    "request.assigned",
    "request.overdue",
    "request.escalated",
    "request.closed",
    "rectification.created",
    "rectification.relapsed",
    "rectification.closed",
    "need.created",
    "problem.created",
    "case.approved",
    "payment.made",
    "report.submitted",
)
EVENT_TYPES: dict[str, str] = {name: DOMAIN_EVENT_TYPES[name].label for name in WEBHOOK_EVENTS}
EVENT_CHOICES = list(EVENT_TYPES.items())
PERSONAL_KEYS = frozenset({"requester_name", "summary"})
