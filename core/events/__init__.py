"""Domain events (kernel): one way for a service to say that something happened.

Public API in ``core.events.services`` (ADR 0040, docs/architecture.md):

- ``publish(event_type, subject, payload, *, actor=None, at=None) -> Event`` — inside the service's
  transaction; ``publish_many(items, *, actor=None, at=None)`` for batches.
- ``@consumer(name, *, events=[...], schema="street", max_attempts=10)`` on ``fn(event)`` in
  ``<app>/consumers.py``.
- ``core.events.types.EVENT_TYPES`` — the closed list of types, labels and payload keys.
- Tables ``events_event`` and ``events_delivery`` live in the public schema.
"""
