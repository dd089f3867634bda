"""What asks for a rollup refresh: a change to the rows the street's figures are computed from.

Until the domains publish events (``core.events``) the rollup listens to the saves and deletes of
those models; each transaction that touched a street office asks once, after it commits
(``rollup_request_refresh``, debounced per street). Bulk writes (``bulk_create``, ``update``) send no
signals: the nightly rebuild covers them, and their callers may call ``changed(office_id)``.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

# app_label.ModelName of the rows the metrics read (core.rollup.metrics).
WATCHED = (
    "registry.Household", "inspections.Visit", "inspections.Need", "inspections.Problem",
    "requests.CitizenRequest", "deadlines.Clock", "rectification.Rectification", "relief.ReliefCase",
    "relief.Payment", "relief.PatrolWeek", "campaigns.DeliverableCheck", "reports.Submission",
)


def changed(office_id: int) -> None:
    """Ask for one refresh of this street office after the current transaction commits (once per
    transaction: a callback already registered for it is reused)."""
    from core.rollup.tasks import rollup_request_refresh

    if connection.in_atomic_block:
        for _sids, func, *_rest in connection.run_on_commit:
            if getattr(func, "rollup_office_id", None) == office_id:
                return

    def ask() -> None:
        rollup_request_refresh(office_id)

    ask.rollup_office_id = office_id
    transaction.on_commit(ask)


def _on_change(sender, instance, **kwargs) -> None:
    from tenants.models import StreetOffice

    office_id = getattr(instance, "street_office_id", None)  # public rows naming their street
    if office_id is None:
        tenant = getattr(connection, "tenant", None)
        if not isinstance(tenant, StreetOffice) or tenant.pk is None or tenant.district_id is None:
            return
        office_id = tenant.pk
    changed(office_id)


def connect() -> None:
    from django.apps import apps

    for label in WATCHED:
        model = apps.get_model(label)
        post_save.connect(_on_change, sender=model, dispatch_uid=f"rollup-save-{label}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"rollup-delete-{label}")
