"""Requests (诉求) from residents: received, responded, handled, fed back, closed — each on a clock."""

from __future__ import annotations

from django.db import models

from core.org.models import Community, Grid
from core.workflow.models import StepEvent


class RequestStatus(models.TextChoices):
    RECEIVED = "received", "已受理"
    RESPONDED = "responded", "已响应"
    HANDLED = "handled", "已处置"
    FEEDBACK_GIVEN = "feedback_given", "已反馈"
    CLOSED = "closed", "已办结"


class RequestChannel(models.TextChoices):
    HOTLINE = "hotline", "民政服务热线"
    GRID_WORKER = "grid_worker", "网格员收集"
    WALK_IN = "walk_in", "来访"
    API = "api", "接口接入"


class RequestCategory(models.TextChoices):
    HEATING = "heating", "取暖"
    CLOTHING = "clothing", "御寒衣物"
    FOOD = "food", "米面油等生活物资"
    HOUSING_SAFETY = "housing_safety", "居住安全"
    MEDICAL = "medical", "医疗"
    RELIEF_APPLICATION = "relief_application", "救助申请"
    OTHER = "other", "其他"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class CitizenRequest(models.Model):
    number = models.CharField("编号", max_length=24, unique=True, null=True, blank=True)
    channel = models.CharField("来源", max_length=16, choices=RequestChannel.choices)
    category = models.CharField("类别", max_length=24, choices=RequestCategory.choices)
    description = models.TextField("诉求内容")
    requester_name = models.CharField("诉求人", max_length=50)
    requester_phone = models.CharField("联系电话", max_length=20, blank=True, default="")
    address = models.CharField("地址", max_length=200, blank=True, default="")
    # Where the requester is, when a channel gives it (Open311 lat/long, WGS 84 degrees).
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name="关联户",
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="requests", verbose_name="社区"
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="requests", verbose_name="网格"
    )
    status = models.CharField(
        "状态", max_length=16, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    round = models.PositiveSmallIntegerField(default=1)  # 2 after the first reopen, ...
    assignee_user_id = models.BigIntegerField("承办人", null=True, blank=True)
    assignee_name = models.CharField(max_length=150, blank=True, default="")
    received_at = models.DateTimeField("受理时间")
    received_by_id = models.BigIntegerField(null=True, blank=True)
    received_by_name = models.CharField(max_length=150, blank=True, default="")
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by_name = models.CharField(max_length=150, blank=True, default="")
    response_note = models.TextField(blank=True, default="")
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by_name = models.CharField(max_length=150, blank=True, default="")
    handling_note = models.TextField(blank=True, default="")
    feedback_at = models.DateTimeField(null=True, blank=True)
    feedback_by_name = models.CharField(max_length=150, blank=True, default="")
    feedback_note = models.TextField(blank=True, default="")
    satisfaction = models.CharField(
        "满意度", max_length=16, choices=Satisfaction.choices, blank=True, default=""
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by_name = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["status", "received_at"], name="request_status_idx"),
            models.Index(fields=["community", "grid", "status"], name="request_place_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number or self.pk} {self.requester_name} {self.get_category_display()}"


class RequestEvent(StepEvent):
    """Who did which step when (the request's own history; the audit trail has the full detail)."""

    request = models.ForeignKey(CitizenRequest, on_delete=models.CASCADE, related_name="events")

    STEP_LABELS = {
        "received": "受理",
        "responded": "响应",
        "handled": "处置",
        "feedback_given": "反馈",
        "closed": "办结",
        "reopened": "重新办理",
        "assigned": "指派",
    }
