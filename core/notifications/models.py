"""Notifications (public schema): one in-app inbox per user across all places, and the outbox.

The inbox row is the notification; every other channel (email, SMS) gets an outbox row written in
the same transaction, so nothing is lost when the broker is down: the dispatcher picks up what is
still pending.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from tenants.models import StreetOffice, User


class Notification(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    street_office = models.ForeignKey(
        StreetOffice, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40)  # due_soon / overdue / escalated / request.assigned / ...
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    url = models.CharField(max_length=300, blank=True, default="")  # absolute path on the street's site
    dedupe_key = models.CharField(max_length=160)  # the same key for the same user is written once
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "dedupe_key"], name="notification_once")]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                name="notification_inbox_idx",
                condition=Q(read_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.title


class Outbox(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=16)  # email / sms
    address = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="outbox_once_per_channel")
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="outbox_pending_idx", condition=Q(status="pending"))
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.address} {self.status}"
