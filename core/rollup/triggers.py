"""What asks for a rollup refresh besides domain events (``core.rollup.consumers``): saves and deletes
of the rows the metrics read that the domains change without publishing an event — household edits
and deregistration, relief case steps, patrol weeks, phase tasks, report drafts. Each transaction
that touched a street office asks once, after it commits (``rollup_request_refresh``, debounced per
street). Bulk writes send no signals: the nightly rebuild covers them, and their callers may call
``changed(office_id)``. When a domain starts publishing an event for one of these, drop it here.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

# app_label.ModelName of the rows the metrics read (core.rollup.metrics).
WATCHED = (
    "registry.Household", "relief.ReliefCase", "relief.PatrolWeek", "campaigns.DeliverableCheck",
    "reports.Submission",
    # listed event types (visit.saved, need.created, problem.*, payment.made) not yet published by
    # their services on the day this was written: drop each once its service publishes it
    "inspections.Visit", "inspections.Need", "inspections.Problem", "relief.Payment",
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
