"""Domain events (public schema): the outbox of what happened, and each consumer's delivery of it.

One ``Event`` row per thing that happened, written in the transaction of the service that did it;
one ``Delivery`` row per (event, consumer) written with it, so every consumer gets every event
exactly once however often the dispatcher or the sweeper runs. ADR: docs/adr/0040-domain-events.md.
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q


class Event(models.Model):
    """Something that happened. ``schema_name``: the street office it happened in (``public`` for
    the district); ``subject_type``/``subject_id``: the row it is about (``app_label.model``)."""

    event_type = models.CharField(max_length=40)  # a name of core.events.types.EVENT_TYPES
    schema_name = models.CharField(max_length=63)
    subject_type = models.CharField(max_length=60, blank=True, default="")
    subject_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    actor_user_id = models.BigIntegerField(null=True, blank=True)  # None: the system
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["event_type", "id"], name="event_type_idx"),
            models.Index(fields=["schema_name", "id"], name="event_schema_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.subject_type}#{self.subject_id} ({self.schema_name})"


class Delivery(models.Model):
    """One consumer's copy of one event: pending until the consumer's work commits with ``done``."""

    class State(models.TextChoices):
        PENDING = "pending", "待处理"
        DONE = "done", "已处理"
        FAILED = "failed", "处理失败"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    consumer = models.CharField(max_length=80)  # a name registered with core.events.services.consumer
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["event", "consumer"], name="delivery_once_per_consumer")]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="delivery_pending_idx", condition=Q(state="pending"))
        ]

    def __str__(self) -> str:
        return f"{self.consumer} <- event {self.event_id} ({self.state})"
