"""Webhooks consume the domain events (core.events): each event becomes one outbox row per matching
subscription, written in the transaction that marks the event's delivery done — so exactly once."""

from __future__ import annotations

from core.events.services import consumer
from core.integrations.events import PERSONAL_KEYS, WEBHOOK_EVENTS
from core.integrations.webhooks import webhook_emit
from tenants.models import PUBLIC_SCHEMA, Membership, StreetOffice


@consumer("webhooks", events=list(WEBHOOK_EVENTS), schema="public")
def to_webhooks(event) -> None:
    """Fan the event out to the subscriptions of its street office and of that office's district."""
    office, district = None, None
    if event.schema_name != PUBLIC_SCHEMA:
        office = StreetOffice.objects.select_related("district").filter(schema_name=event.schema_name).first()
        if office is None:
            return
        district = office.district
    elif event.actor_user_id is not None:  # a district-level event: the actor's district
        membership = Membership.objects.select_related("district").filter(
            user_id=event.actor_user_id, district__isnull=False, is_active=True).first()
        district = membership.district if membership else None
    if office is None and district is None:
        return
    data = {key: value for key, value in event.payload.items() if key not in PERSONAL_KEYS}
    data["subject"] = {"type": event.subject_type, "id": event.subject_id}
    webhook_emit(event_type=event.event_type, street_office=office, district=district, data=data,
                 event_id=f"evt_{event.pk}", occurred_at=event.occurred_at)
