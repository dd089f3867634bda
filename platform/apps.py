"""The platform as a Django app: its ``ready()`` bootstraps Celery in every Django process."""

from __future__ import annotations

from pathlib import Path

from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "nuandong"
    label = "nuandong"
    verbose_name = "平台 Platform"
    # ``nuandong`` is a namespace package (ADR 0001) with more than one path entry in an editable
    # install: name its one folder.
    path = str(Path(__file__).resolve().parent)

    def ready(self) -> None:
        # The Celery app must be the current app in every Django process (web too), or shared tasks
        # queued after a commit go to Celery's default broker, not ours. The platform owns the
        # Celery app, so the platform bootstraps it — no domain does (issue 7).
        import nuandong.celery  # noqa: F401
