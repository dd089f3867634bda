"""The district's campaign (public schema): window, phases, deliverables, SLA policy, working-day calendar.

Street offices read the policy of their district; a street may tighten the SLA (StreetSla), never
loosen it. Per-street progress on phase deliverables lives here too, so the district sees it
without reading street schemas; the deliverables' clocks live in each street's schema.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.deadlines.durations import HOURS, WORKING_DAYS, Duration
from tenants.models import District, StreetOffice, User

UNIT_CHOICES = [(HOURS, "小时"), (WORKING_DAYS, "工作日")]
# Requests: respond / handle / feed back. Winter needs (困难群众过冬需求): one clock per need, its
# duration by the need's urgency (特急 / 紧急 / 一般). A street may tighten each, never loosen.
NEED_SLA_KINDS = {"critical": "need_critical", "urgent": "need_urgent", "normal": "need_normal"}
SLA_KINDS = ("respond", "handle", "feedback", *NEED_SLA_KINDS.values())
SLA_LABELS = {
    "respond": "响应",
    "handle": "处置",
    "feedback": "反馈",
    "need_critical": "特急需求办结",
    "need_urgent": "紧急需求办结",
    "need_normal": "一般需求办结",
}


class Campaign(models.Model):
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField("工作名称", max_length=120)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    is_active = models.BooleanField(default=True)
    respond_amount = models.PositiveSmallIntegerField("响应时限", default=1)
    respond_unit = models.CharField(max_length=16, choices=UNIT_CHOICES, default=HOURS)
    handle_amount = models.PositiveSmallIntegerField("处置时限", default=24)
    handle_unit = models.CharField(max_length=16, choices=UNIT_CHOICES, default=HOURS)
    feedback_amount = models.PositiveSmallIntegerField("反馈时限", default=3)
    feedback_unit = models.CharField(max_length=16, choices=UNIT_CHOICES, default=WORKING_DAYS)
    need_critical_amount = models.PositiveSmallIntegerField("特急需求办结时限", default=24)
    need_critical_unit = models.CharField(max_length=16, choices=UNIT_CHOICES, default=HOURS)
    need_urgent_amount = models.PositiveSmallIntegerField("紧急需求办结时限", default=3)
    need_urgent_unit = models.CharField(max_length=16, choices=UNIT_CHOICES, default=WORKING_DAYS)
    need_normal_amount = models.PositiveSmallIntegerField("一般需求办结时限", default=10)
    need_normal_unit = models.CharField(max_length=16, choices=UNIT_CHOICES, default=WORKING_DAYS)
    rectify_amount = models.PositiveSmallIntegerField("整改默认时限", default=10)
    rectify_unit = models.CharField(max_length=16, choices=UNIT_CHOICES, default=WORKING_DAYS)
    lookback_days = models.PositiveSmallIntegerField("回头看间隔（天）", default=14)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["district"], condition=Q(is_active=True), name="campaign_one_active"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_window_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def duration(self, kind: str) -> Duration:
        return Duration(getattr(self, f"{kind}_amount"), getattr(self, f"{kind}_unit"))


class Phase(models.Model):
    MOBILISATION, INSPECTION, RELIEF = "mobilisation", "inspection", "relief"
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    key = models.CharField(max_length=32)
    name = models.CharField("阶段", max_length=60)
    starts_on = models.DateField("开始")
    ends_on = models.DateField("结束")
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "key"], name="phase_unique_key"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="phase_window_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Deliverable(models.Model):
    class Kind(models.TextChoices):
        MEETING = "meeting", "会议"
        TRAINING = "training", "培训（逐人签到）"
        LEDGER = "ledger", "台账报送"
        REPORT = "report", "报送进展"

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="deliverables")
    key = models.CharField(max_length=40)
    name = models.CharField("任务", max_length=120)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    due_on = models.DateField("截止日期")  # for monthly items: the first due date; the day of month repeats
    monthly = models.BooleanField("每月一次", default=False)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["phase__sort_order", "sort_order", "due_on"]
        constraints = [models.UniqueConstraint(fields=["phase", "key"], name="deliverable_unique_key")]

    def __str__(self) -> str:
        return self.name

    SHORT_NAMES = {
        "deployment_meeting": "部署会",
        "inspection_training": "排查培训",
        "problem_ledgers": "问题台账",
        "monthly_progress": "月度进展",
    }

    @property
    def short_name(self) -> str:
        return self.SHORT_NAMES.get(self.key, self.name[:6])


class DeliverableCheck(models.Model):
    """One street's one instance of a deliverable (monthly items: one per month)."""

    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="checks")
    street_office = models.ForeignKey(
        StreetOffice, on_delete=models.CASCADE, related_name="deliverable_checks"
    )
    period_due_on = models.DateField("截止日期")
    due_at = models.DateTimeField()  # moved to a working day (see core.deadlines.durations)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    evidence = models.TextField("佐证材料", blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period_due_on", "deliverable__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["deliverable", "street_office", "period_due_on"], name="check_unique_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.deliverable.name} {self.period_due_on:%Y-%m-%d}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def on_time(self) -> bool | None:
        return None if self.done_at is None else self.done_at <= self.due_at


class TrainingAttendance(models.Model):
    check_item = models.ForeignKey(DeliverableCheck, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=32)
    attended = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["check_item", "user"], name="attendance_unique_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.attended}"


class StreetSla(models.Model):
    """A street office's tightened SLA; empty fields follow the district."""

    street_office = models.OneToOneField(StreetOffice, on_delete=models.CASCADE, related_name="sla")
    respond_amount = models.PositiveSmallIntegerField(null=True, blank=True)
    respond_unit = models.CharField(max_length=16, choices=UNIT_CHOICES, blank=True, default="")
    handle_amount = models.PositiveSmallIntegerField(null=True, blank=True)
    handle_unit = models.CharField(max_length=16, choices=UNIT_CHOICES, blank=True, default="")
    feedback_amount = models.PositiveSmallIntegerField(null=True, blank=True)
    feedback_unit = models.CharField(max_length=16, choices=UNIT_CHOICES, blank=True, default="")
    need_critical_amount = models.PositiveSmallIntegerField(null=True, blank=True)
    need_critical_unit = models.CharField(max_length=16, choices=UNIT_CHOICES, blank=True, default="")
    need_urgent_amount = models.PositiveSmallIntegerField(null=True, blank=True)
    need_urgent_unit = models.CharField(max_length=16, choices=UNIT_CHOICES, blank=True, default="")
    need_normal_amount = models.PositiveSmallIntegerField(null=True, blank=True)
    need_normal_unit = models.CharField(max_length=16, choices=UNIT_CHOICES, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"SLA {self.street_office_id}"

    def duration(self, kind: str) -> Duration | None:
        amount = getattr(self, f"{kind}_amount")
        return Duration(amount, getattr(self, f"{kind}_unit")) if amount else None


class CalendarDay(models.Model):
    """An exception to the weekday rule in the district's working-day calendar."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "节假日（休息）"
        WORKDAY = "workday", "调休上班"

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="calendar_days")
    date = models.DateField("日期")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    name = models.CharField("名称", max_length=60, blank=True, default="")

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["district", "date"], name="calendar_unique_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"
