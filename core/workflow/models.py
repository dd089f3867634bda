"""The abstract history row of a workflow subject (a concrete model per domain)."""

from __future__ import annotations

from django.db import models


class StepEvent(models.Model):
    """One step of a subject's lifecycle: who did what, when (the subject's own history; the audit
    trail holds the full before/after). Concrete models add the FK to their subject and STEP_LABELS."""

    STEP_LABELS: dict[str, str] = {}

    step = models.CharField(max_length=20)
    round = models.PositiveSmallIntegerField(default=1)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True, default="")
    note = models.TextField(blank=True, default="")

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.step_label} {self.at:%Y-%m-%d %H:%M}"

    @property
    def step_label(self) -> str:
        return self.STEP_LABELS.get(self.step, self.step)
