"""The one model of a deadline in the product: a clock on a subject.

Requests, rectifications, problems, monthly reports, phase deliverables, patrols, look-backs:
every deadline is a Clock row, started, met and scanned only through core.deadlines.services.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class ClockState(models.TextChoices):
    ON_TRACK = "on_track", "进行中"
    DUE_SOON = "due_soon", "即将到期"
    OVERDUE = "overdue", "已超时"
    MET_ON_TIME = "met_on_time", "按时完成"
    MET_LATE = "met_late", "超时完成"
    CANCELLED = "cancelled", "已撤销"


OPEN_STATES = (ClockState.ON_TRACK, ClockState.DUE_SOON, ClockState.OVERDUE)


class Clock(models.Model):
    """A deadline on a subject. Times are aware UTC; ``calendar_missing`` non-empty = provisional."""

    subject_type = models.CharField(max_length=60)  # app_label.model, e.g. "requests.citizenrequest"
    subject_id = models.BigIntegerField()
    kind = models.CharField(max_length=32)  # respond / handle / feedback / rectify / problem / report / ...
    round = models.PositiveSmallIntegerField(default=1)  # a reopened subject starts a new round
    title = models.CharField(max_length=200, blank=True, default="")
    responsible_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    community_id = models.BigIntegerField(null=True, blank=True)
    grid_id = models.BigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    warn_at = models.DateTimeField()
    due_at = models.DateTimeField()
    met_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=ClockState.choices, default=ClockState.ON_TRACK)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    # When an overdue clock climbs to the next tier (None: at the top, or not overdue).
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    rule = models.CharField(max_length=120, blank=True, default="")  # human text: "24 小时" / "3 个工作日"
    # The duration the deadline was computed from (re-timed when the district's calendar changes);
    # empty for clocks given a fixed deadline.
    duration_amount = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_unit = models.CharField(max_length=16, blank=True, default="")
    # A deadline set by a date (durations.ByDate): re-timed when the calendar changes, like a duration.
    due_on = models.DateField(null=True, blank=True)
    due_lead_working_days = models.PositiveSmallIntegerField(default=0)
    # Years the working-day count crossed that the district's calendar does not hold ("2027"): the
    # deadline is provisional (weekday rule only) until those years are loaded.
    calendar_missing = models.CharField("未载入日历年份", max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind", "round"], name="clock_unique_round"
            ),
            models.CheckConstraint(
                name="clock_warn_before_due", condition=Q(warn_at__lte=models.F("due_at"))
            ),
        ]
        indexes = [
            # The scanner's two questions, answered from small partial indexes over open clocks only.
            models.Index(fields=["warn_at"], name="clock_open_warn_idx", condition=Q(state="on_track")),
            models.Index(
                fields=["due_at"], name="clock_open_due_idx", condition=Q(state__in=["on_track", "due_soon"])
            ),
            models.Index(
                fields=["next_escalation_at"], name="clock_escalate_idx", condition=Q(state="overdue")
            ),
            models.Index(fields=["subject_type", "subject_id"], name="clock_subject_idx"),
            models.Index(fields=["community_id", "grid_id", "state"], name="clock_place_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}#{self.subject_id} {self.kind} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_provisional(self) -> bool:
        """Open and computed across a year the district's calendar does not hold."""
        return bool(self.calendar_missing) and self.is_open
