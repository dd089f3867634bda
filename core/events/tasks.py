"""Worker side of domain events: deliver after commit, sweep every minute (beat)."""

from __future__ import annotations

from celery import shared_task

from core.events.services import events_deliver, events_sweep


@shared_task(name="events.deliver", acks_late=True)
def events_deliver_task(*, event_ids: list[int]) -> dict:
    return events_deliver(event_ids=event_ids)


@shared_task(name="events.sweep")
def events_sweep_task() -> dict:
    return events_sweep()
