"""Platform tasks and the one way to queue a task: after the surrounding transaction commits."""

from __future__ import annotations

import logging
import uuid

from celery import shared_task
from django.db import connection, transaction
from django.utils import timezone
from tenant_schemas_celery.task import TenantTask


def queue_on_commit(task, **kwargs) -> str:
    """Queue ``task`` with keyword arguments once the current transaction has committed.

    Called inside a tenant's request the schema travels with the message (tenant-schemas-celery).
    Returns the task id chosen now, so the caller can record it or wait for its result.
    """
    task_id = str(uuid.uuid4())
    transaction.on_commit(lambda: task.apply_async(kwargs=kwargs, task_id=task_id))
    return task_id


logger = logging.getLogger("nuandong.tasks")


def queue_on_commit_or_later(task, **kwargs) -> None:
    """Like ``queue_on_commit`` for work that a periodic dispatcher also picks up from the database.

    If the broker is down the failure is logged and the caller's saved data stands; the dispatcher
    (e.g. the notification outbox) delivers later. Never use it for work that exists only as a message.
    """

    def send() -> None:
        try:
            task.apply_async(kwargs=kwargs, retry=False)
        except Exception:  # noqa: BLE001 - broker unreachable: the outbox keeps the work
            logger.warning("broker unavailable, %s left for the dispatcher", task.name, exc_info=True)

    transaction.on_commit(send)


@shared_task(base=TenantTask, name="nuandong.worker_ping")
def worker_ping() -> dict:
    """Answer from a worker with the schema it ran in: proves broker, worker and tenant context.

    ``schema`` is the street office the task was queued for; ``db_schemas`` the schemas PostgreSQL
    itself searched for this task's statement (``current_schemas``) — the two must agree.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schemas(false)::text[]")
        db_schemas = cursor.fetchone()[0]
    return {"schema": connection.schema_name, "db_schemas": db_schemas, "at": timezone.now().isoformat()}
