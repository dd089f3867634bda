"""Durable jobs (public schema): work that must happen, recorded in the database before any broker
is asked to run it (docs/adr/0012-durable-jobs.md)."""

from __future__ import annotations

from django.db import models


class Job(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", "等待派发"  # recorded; no broker has accepted it yet
        SENT = "sent", "已派发"  # the broker accepted the message; no worker has started it
        RUNNING = "running", "运行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField(max_length=80)  # a handler registered with core.jobs.services.job_handler
    schema_name = models.CharField(max_length=63)  # where the handler runs (a street office or public)
    params = models.JSONField(default=dict, blank=True)
    queue = models.CharField(max_length=40)  # queue kind: default, deadlines, imports, reports
    state = models.CharField(max_length=16, choices=State.choices, default=State.WAITING)
    attempts = models.PositiveIntegerField(default=0)  # times a worker started it
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["state", "id"],
                name="job_unfinished_idx",
                condition=models.Q(state__in=["waiting", "sent", "running"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}#{self.pk} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)
