"""Integrations (public schema): API keys, webhook subscriptions and their delivery outbox/log.

Each row belongs to one street office or to one district (exactly one of the two, like a
membership). Webhook payloads are thin (event type, ids, number, status, links; never names, phone
numbers or ID numbers), so the public-schema outbox holds no personal data; an integrator reads the
details through the API with its key.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from tenants.models import District, StreetOffice, User

_ONE_OWNER = Q(district__isnull=False, street_office__isnull=True) | Q(district__isnull=True, street_office__isnull=False)


class ApiKey(models.Model):
    """An integration's key. The secret is stored as its SHA-256 only and shown once at creation.

    The full key reads ``<prefix>.<secret>``; clients send ``Authorization: Api-Key <prefix>.<secret>``.
    A key acts as its creator (``created_by``) in its street office or district, narrowed to its scopes.
    """

    name = models.CharField("名称", max_length=80)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    district = models.ForeignKey(District, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    street_office = models.ForeignKey(
        StreetOffice, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    scopes = models.JSONField("权限范围", default=list)
    allowed_ips = models.JSONField("允许的来源地址", default=list, blank=True)  # CIDR strings; empty: any
    expires_at = models.DateTimeField("到期时间", null=True, blank=True)
    rate_per_minute = models.PositiveIntegerField("每分钟请求上限", default=120)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.CharField(max_length=45, blank=True, default="")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by_name = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(name="apikey_one_owner", condition=_ONE_OWNER)]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class WebhookSubscription(models.Model):
    """Where to send which events of one street office or district, signed with ``secret``."""

    name = models.CharField("名称", max_length=80)
    url = models.URLField("接收地址", max_length=500)
    event_types = models.JSONField("事件", default=list)
    secret = models.CharField(max_length=64)  # needed in clear to sign; shown once at creation
    is_active = models.BooleanField("启用", default=True)
    district = models.ForeignKey(District, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    street_office = models.ForeignKey(
        StreetOffice, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_by_name = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(name="webhook_one_owner", condition=_ONE_OWNER)]

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"


class WebhookDelivery(models.Model):
    """One event for one subscription: the outbox row and its log (attempts below). A replay is a
    new delivery of the same event with ``replay_of`` set."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        DELIVERED = "delivered", "已送达"
        FAILED = "failed", "发送失败"

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=60)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    replay_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], condition=Q(replay_of__isnull=True), name="webhook_event_once"
            )
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="webhook_due_idx", condition=Q(status="pending"))
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.pk} {self.status}"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: when, the answer's status (or the error), how long."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"
