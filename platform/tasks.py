"""Platform tasks and the one way to queue a task: after the surrounding transaction commits."""

from __future__ import annotations

from celery import shared_task
from django.db import connection, transaction
from django.utils import timezone
from tenant_schemas_celery.task import TenantTask


def queue_on_commit(task, **kwargs) -> None:
    """Queue ``task`` with keyword arguments once the current transaction has committed.

    Called inside a tenant's request the schema travels with the message (tenant-schemas-celery).
    """
    transaction.on_commit(lambda: task.apply_async(kwargs=kwargs))


@shared_task(base=TenantTask, name="nuandong.worker_ping")
def worker_ping() -> dict:
    """Answer from a worker with the schema it ran in: proves broker, worker and tenant context."""
    return {"schema": connection.schema_name, "at": timezone.now().isoformat()}
