"""Report runs (one generated file each, never overwritten) and submissions up the hierarchy (报送).

The app lives in every schema: a street office's runs and submissions in its own schema, the
district's summary runs in the public schema.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.workflow import StepEvent


class ReportRun(models.Model):
    """One generation of one report: who asked, with which parameters, the file and its SHA-256.

    A run is immutable once done: regenerating makes a new run (ADR 0012).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "Excel"

    kind = models.CharField("报表", max_length=32)
    fmt = models.CharField("格式", max_length=8, choices=Format.choices)
    params = models.JSONField(default=dict)  # {"period_start": "2026-12-01", "period_end": ..., "community_id": 3}
    title = models.CharField("标题", max_length=200)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField("进度", default=0)  # percent 0..100
    file = models.FileField(upload_to="reports/", blank=True, default="")
    filename = models.CharField(max_length=200, blank=True, default="")
    sha256 = models.CharField(max_length=64, blank=True, default="")
    size = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    # Made for a member without household.view: names and addresses masked (see reports.kinds.Masker).
    masked = models.BooleanField(default=False)
    failure = models.CharField(max_length=500, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by_user_id = models.BigIntegerField(null=True, blank=True)
    created_by_name = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="reportrun_status_idx")]

    def __str__(self) -> str:
        return self.title


class MonthlyNarrative(models.Model):
    """The street's (or a community's) own words for one month's progress report, and its sign-off."""

    period = models.CharField(max_length=7)  # "2026-12"
    community_id = models.BigIntegerField(null=True, blank=True)  # None: the street's own report
    narrative = models.TextField("工作情况说明", blank=True, default="")
    signed_off_by_user_id = models.BigIntegerField(null=True, blank=True)
    signed_off_by_name = models.CharField(max_length=150, blank=True, default="")
    signed_off_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "community_id"], name="narrative_unique_period_community",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.community_id or 'street'}"


class Submission(models.Model):
    """One report handed up one level: a community to its street, a street to the district.

    Lives in the street's schema. Its deadline is a clock of the deadlines engine; accepted data is
    locked until the level above approves an unlock request.
    """

    class Level(models.TextChoices):
        COMMUNITY = "community", "社区报街道"
        STREET = "street", "街道报区"

    class Status(models.TextChoices):
        DRAFT = "draft", "待报送"
        SUBMITTED = "submitted", "已报送"
        RETURNED = "returned", "已退回"
        ACCEPTED = "accepted", "已审核通过"
        UNLOCK_REQUESTED = "unlock_requested", "申请解锁"

    kind = models.CharField("报表", max_length=32)
    period = models.CharField("期次", max_length=16)  # "2026-12" (monthly) or "inspection"
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    community_id = models.BigIntegerField(null=True, blank=True)
    community_name = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField("状态", max_length=24, choices=Status.choices, default=Status.DRAFT)
    run = models.ForeignKey(ReportRun, on_delete=models.PROTECT, null=True, blank=True, related_name="submissions")
    # Street level: the campaign's phase task for this period (its clock is the deadline, ADR 0006);
    # community level: the submission's own "report_submit" clock.
    check_id = models.BigIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by_name = models.CharField(max_length=150, blank=True, default="")
    on_time = models.BooleanField(null=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by_name = models.CharField(max_length=150, blank=True, default="")
    return_reason = models.CharField(max_length=500, blank=True, default="")
    unlock_reason = models.CharField(max_length=500, blank=True, default="")
    locked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period", "level", "community_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period", "level", "community_id"], name="submission_unique_slot",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(level="street", community_id__isnull=True) | Q(level="community", community_id__isnull=False),
                name="submission_level_community",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period}"


class SubmissionEvent(StepEvent):
    """One step of a submission (submit, return, accept, unlock request/approval), with who and why."""

    STEP_LABELS = {
        "submit": "报送", "return": "退回", "accept": "审核通过", "request_unlock": "申请解锁",
        "approve_unlock": "同意解锁", "refuse_unlock": "不同意解锁",
    }

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")

    class Meta(StepEvent.Meta):
        pass
