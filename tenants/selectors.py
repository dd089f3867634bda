from __future__ import annotations

from django.db.models import QuerySet

from tenants.models import PUBLIC_SCHEMA, District, StreetOffice


def street_offices_of(*, district: District) -> QuerySet[StreetOffice]:
    return (
        StreetOffice.objects.filter(district=district)
        .exclude(schema_name=PUBLIC_SCHEMA)
        .prefetch_related("domains")
        .order_by("name", "id")
    )


def street_office_url(office: StreetOffice, request=None) -> str:
    """Absolute URL of a street office's site, on the same scheme and port as this request."""
    domain = (
        next((d.domain for d in office.domains.all() if d.is_primary), None) or office.domains.first().domain
    )
    if request is None:
        return f"https://{domain}/"
    port = request.get_port()
    default = "443" if request.is_secure() else "80"
    suffix = "" if port == default else f":{port}"
    return f"{request.scheme}://{domain}{suffix}/"


def current_street_office() -> StreetOffice | None:
    """The street office whose schema the connection is in (None on the public schema)."""
    from django.db import connection

    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, StreetOffice) and tenant.pk and tenant.schema_name == connection.schema_name:
        return tenant
    if connection.schema_name == PUBLIC_SCHEMA:
        return None
    return StreetOffice.objects.select_related("district").filter(schema_name=connection.schema_name).first()
