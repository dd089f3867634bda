"""The rectification ledger (整改台账): each problem to fix, its deadline, evidence, verification and look-back."""

from __future__ import annotations

import uuid

from django.db import connection, models

from core.org.models import Community, Grid
from core.workflow.models import StepEvent


class RectificationStatus(models.TextChoices):
    OPEN = "open", "整改中"
    FIXED = "fixed", "待验收"
    VERIFIED = "verified", "已验收，待回头看"
    CONFIRMED = "confirmed", "回头看通过"


class RectificationSource(models.TextChoices):
    PROBLEM = "problem", "排查问题台账"
    UPSTREAM = "upstream", "上级反馈"
    REQUEST = "request", "群众诉求"


def evidence_path(instance, filename: str) -> str:
    ext = (filename.rsplit(".", 1)[-1] if "." in filename else "jpg").lower()[:5]
    return f"{connection.schema_name}/rectification/{uuid.uuid4().hex}.{ext}"


class Rectification(models.Model):
    number = models.CharField("编号", max_length=24, unique=True, null=True, blank=True)
    source_type = models.CharField("来源", max_length=16, choices=RectificationSource.choices)
    source_id = models.BigIntegerField("来源编号", null=True, blank=True)
    source_note = models.CharField("来源说明", max_length=300, blank=True, default="")
    # A problem-ledger entry turned into this item (at most one item per problem; its clock hands over here).
    problem = models.OneToOneField(
        "inspections.Problem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rectification",
        verbose_name="来源问题",
    )
    title = models.CharField("问题", max_length=200)
    description = models.TextField("问题描述及整改要求", blank=True, default="")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="rectifications", verbose_name="社区"
    )
    grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rectifications",
        verbose_name="网格",
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rectifications",
        verbose_name="关联户",
    )
    responsible_user_id = models.BigIntegerField("责任人")
    responsible_name = models.CharField(max_length=150, blank=True, default="")
    status = models.CharField(
        "状态", max_length=16, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    round = models.PositiveSmallIntegerField(default=1)
    relapse_count = models.PositiveSmallIntegerField("反弹次数", default=0)
    lookback_days = models.PositiveSmallIntegerField("回头看间隔（天）", default=14)
    fixed_at = models.DateTimeField(null=True, blank=True)
    fixed_by_id = models.BigIntegerField(null=True, blank=True)
    fixed_by_name = models.CharField(max_length=150, blank=True, default="")
    fix_note = models.TextField(blank=True, default="")
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by_id = models.BigIntegerField(null=True, blank=True)
    verified_by_name = models.CharField(max_length=150, blank=True, default="")
    verify_note = models.TextField(blank=True, default="")
    lookback_at = models.DateTimeField(null=True, blank=True)
    lookback_by_name = models.CharField(max_length=150, blank=True, default="")
    lookback_note = models.TextField(blank=True, default="")
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_by_name = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status"], name="rectification_status_idx"),
            models.Index(fields=["source_type", "source_id"], name="rectification_source_idx"),
            models.Index(fields=["community", "grid"], name="rectification_place_idx"),
        ]
        constraints = [
            # A request turns into a rectification once, only through rectification_from_request.
            models.UniqueConstraint(
                fields=["source_id"], condition=models.Q(source_type="request"), name="rectification_one_per_request"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or self.pk} {self.title}"


class RectificationEvidence(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", "文字说明"
        PHOTO = "photo", "照片"

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="evidence")
    round = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    text = models.TextField(blank=True, default="")
    photo = models.ImageField(upload_to=evidence_path, blank=True)
    added_by_id = models.BigIntegerField(null=True, blank=True)
    added_by_name = models.CharField(max_length=150, blank=True, default="")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.added_at:%Y-%m-%d}"


class RectificationEvent(StepEvent):
    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="events")

    STEP_LABELS = {
        "created": "立项",
        "fixed": "整改完成",
        "verified": "验收通过",
        "rejected": "验收不通过",
        "confirmed": "回头看通过",
        "relapsed": "回头看发现反弹",
        "evidence": "补充佐证",
    }
