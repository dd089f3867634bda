from __future__ import annotations

from celery import shared_task

from tenants.handoff import login_handoffs_purge


@shared_task(name="tenants.login_handoffs_purge")
def login_handoffs_purge_task() -> int:
    """Daily housekeeping (beat): used one-time sign-in links older than a day."""
    return login_handoffs_purge()
