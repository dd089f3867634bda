from __future__ import annotations

from django.db.models import QuerySet

from tenants.models import PUBLIC_SCHEMA, District, StreetOffice


def street_offices_of(*, district: District) -> QuerySet[StreetOffice]:
    return (
        StreetOffice.objects.filter(district=district)
        .exclude(schema_name=PUBLIC_SCHEMA)
        .prefetch_related("domains")
        .order_by("name")
    )


def street_office_url(office: StreetOffice, request=None) -> str:
    """Absolute URL of a street office's site, on the same scheme and port as this request."""
    domain = next((d.domain for d in office.domains.all() if d.is_primary), None) or office.domains.first().domain
    if request is None:
        return f"https://{domain}/"
    port = request.get_port()
    default = "443" if request.is_secure() else "80"
    suffix = "" if port == default else f":{port}"
    return f"{request.scheme}://{domain}{suffix}/"
