from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError
from django_tenants.utils import schema_context

from core.rollup.services import (
    DEBOUNCE_SECONDS,
    PENDING_TTL_SECONDS,
    pending_key,
    redis_client,
    rollup_rebuild,
    rollup_refresh_pending,
)

logger = logging.getLogger("nuandong.rollup")


@shared_task(name="rollup.refresh_street", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def rollup_refresh_task(*, office_id: int) -> int:
    """Queued (debounced) after a street's data changed: refresh its rollup rows; returns rows written."""
    with schema_context("public"):
        return rollup_refresh_pending(office_id)


@shared_task(name="rollup.rebuild", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def rollup_rebuild_task() -> list[str]:
    """Beat, nightly: refresh every street office's rollup (catches anything a lost message missed)."""
    with schema_context("public"):
        return rollup_rebuild()


def rollup_request_refresh(office_id: int) -> bool:
    """Queue one refresh of this street office unless one is already pending (True when queued now).

    Call after commit (``transaction.on_commit``); see the module docstring for the debounce."""
    try:
        client = redis_client()
        if not client.set(pending_key(office_id), "1", nx=True, ex=PENDING_TTL_SECONDS):
            return False
    except Exception:  # noqa: BLE001 - Redis down: freshness waits for the nightly rebuild
        logger.warning("rollup: Redis unavailable, street %s left for the nightly rebuild", office_id, exc_info=True)
        return False
    try:
        rollup_refresh_task.apply_async(kwargs={"office_id": office_id}, countdown=DEBOUNCE_SECONDS, retry=False)
    except Exception:  # noqa: BLE001 - broker down: let the next change try again
        client.delete(pending_key(office_id))
        logger.warning("rollup: broker unavailable, street %s left for the nightly rebuild", office_id, exc_info=True)
        return False
    return True
