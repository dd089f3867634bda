"""Allowed status changes are tables; ``ensure_transition`` is how services enforce them."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import models


def ensure_transition(
    table: Mapping[str, set[str]], current: str, target: str, labels: Mapping[str, str]
) -> None:
    if target not in table.get(current, set()):
        allowed = "、".join(str(labels.get(s, s)) for s in sorted(table.get(current, set()))) or "无"
        raise ValidationError(
            {
                "status": [
                    f"当前状态为「{labels.get(current, current)}」，不能办理「{labels.get(target, target)}」"
                    f"（可办理：{allowed}） / cannot go from {current} to {target}"
                ]
            },
            code="illegal_transition",
        )


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
