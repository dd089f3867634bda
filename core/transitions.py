"""Allowed status changes are tables of steps; ``ensure_step`` is how services enforce them.

A table maps each status to the steps that may be taken from it and the status each step leads to:
``{"received": {"respond": "responded"}, "closed": {"reopen": "responded"}, ...}``. Keying by step
(not by target status) matters when two steps lead to the same status: "reopen" and "respond" both
end in "responded", yet a request that was only received may be responded to, never reopened.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import models

StepTable = Mapping[str, Mapping[str, str]]


def steps_from(table: StepTable, current: str) -> set[str]:
    """The steps allowed from status ``current`` (empty for a final or unknown status)."""
    return set(table.get(current, {}))


def ensure_step(table: StepTable, current: str, step: str, labels: Mapping[str, str]) -> str:
    """The status ``step`` leads to from ``current``.

    Raises ``ValidationError`` (code ``illegal_transition``, field ``status``, Chinese first) when the
    table does not allow ``step`` from ``current``. ``labels`` names statuses and steps for the message.
    """
    allowed = table.get(current, {})
    if step not in allowed:
        names = "、".join(str(labels.get(s, s)) for s in sorted(allowed)) or "无"
        raise ValidationError(
            {
                "status": [
                    f"当前状态为「{labels.get(current, current)}」，不能办理「{labels.get(step, step)}」"
                    f"（可办理：{names}） / cannot {step} from {current}"
                ]
            },
            code="illegal_transition",
        )
    return allowed[step]


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
