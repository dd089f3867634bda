"""The Celery app. tenant-schemas-celery carries the schema of the sender in a message header,
so a task runs in the street office that queued it."""

from __future__ import annotations

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuandong.settings")

app = CeleryApp("nuandong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["nuandong", "tenants", "core.audit", "core.registry", "core.deadlines", "core.notifications", "core.jobs", "core.events",
                        "reports", "core.relief", "core.rollup", "core.integrations"])
