"""The district rollup as a consumer of domain events (core.events, ADR 0040): every event of a street
office asks for one (debounced) refresh of that street's rollup, after the delivery commits.

Subscribed to every listed event type: each says that something a metric counts may have changed
(visits, needs, problems, requests and their clocks, rectifications, relief, reports). What the
domains change without an event (household edits, patrol weeks, phase tasks, relief case steps)
still asks through ``core.rollup.triggers``; the nightly rebuild covers the rest (clocks turning
overdue with time).
"""

from __future__ import annotations

from core.events.models import Event
from core.events.services import consumer
from core.events.types import EVENT_TYPES


@consumer("rollup.refresh", events=sorted(EVENT_TYPES), schema="public", max_attempts=3)
def refresh_street_of(event: Event) -> None:
    from core.rollup.triggers import changed
    from tenants.models import StreetOffice

    office_id = (StreetOffice.objects.filter(schema_name=event.schema_name, district__isnull=False)
                 .values_list("pk", flat=True).first())
    if office_id is not None:
        changed(office_id)
