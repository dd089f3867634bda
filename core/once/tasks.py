from __future__ import annotations

from celery import shared_task
from django.db import connection
from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context

from core.once.services import once_purge_expired


def once_purge_everywhere() -> int:
    """Delete expired one-time keys in the public schema (district site) and every street office."""
    public = get_public_schema_name()
    with schema_context(public):
        total = once_purge_expired()
        schemas = list(get_tenant_model().objects.exclude(schema_name=public).values_list("schema_name", flat=True))
    for schema in schemas:
        with schema_context(schema):
            total += once_purge_expired()
    connection.set_schema_to_public()
    return total


@shared_task(name="once.purge_expired")
def once_purge_task() -> int:
    """Beat, hourly: forget expired web form tokens and API idempotency keys."""
    return once_purge_everywhere()
