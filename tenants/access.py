"""Break-the-glass (ADR 0056): a district member states a reason once to read one street office's
person-level records for a bounded time, read-only; every opening and every look is written to both
the district's and the street's audit trail through the one audit writer.

- ``street_access_open(member=, office=, reason=, now=)`` -> ``StreetAccessGrant`` valid for
  ``GRANT_MINUTES``; ``ValidationError`` (``{"reason": [...]}``) for a reason shorter than
  ``MIN_REASON`` characters; ``PermissionDenied`` for a member who is not a district member of the
  office's district or may not (``district.drill_down``).
- ``street_access_open_grant(user=, office=, now=)`` -> the grant in force or None.
- ``street_access_looked(member=, what=, now=)`` records one look (a page or API path) under the
  grant in force; pages (``core.ui.decorators.member_required``) and the API (``api.base``) call it
  for every read that only the grant allows.
Times are aware UTC.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from core.audit.services import audit_record
from tenants.models import PUBLIC_SCHEMA, StreetAccessGrant, StreetOffice, User
from tenants.roles import DISTRICT_ROLES, role_can

GRANT_MINUTES = 30
MIN_REASON = 5
OPENED, LOOKED = "district.access_opened", "district.access_looked"


def _both_trails(*, actor, office: StreetOffice, action: str, grant: StreetAccessGrant, after: dict) -> None:
    for schema in (PUBLIC_SCHEMA, office.schema_name):
        with schema_context(schema):
            audit_record(actor=actor, action=action, object_type="tenants.streetaccessgrant", object_id=grant.pk,
                         after={"street_office": office.slug, **after}, reason=grant.reason)


@transaction.atomic
def street_access_open(*, member, office: StreetOffice, reason: str, now: dt.datetime | None = None) -> StreetAccessGrant:
    now = now or timezone.now()
    if (member is None or member.role not in DISTRICT_ROLES or member.district is None
            or office.district_id != member.district.pk or not role_can(member.role, "district.drill_down")):
        raise PermissionDenied("无权查阅该街道 / you may not open this street office's records")
    reason = " ".join((reason or "").split())
    if len(reason) < MIN_REASON:
        raise ValidationError({"reason": [f"请说明查阅理由（至少 {MIN_REASON} 个字） / state a reason "
                                          f"(at least {MIN_REASON} characters)"]})
    grant = StreetAccessGrant.objects.create(
        user=member.user, street_office=office, role=member.role, reason=reason[:300], granted_at=now,
        expires_at=now + dt.timedelta(minutes=GRANT_MINUTES),
    )
    _both_trails(actor=member, office=office, action=OPENED, grant=grant,
                 after={"expires_at": grant.expires_at, "minutes": GRANT_MINUTES})
    return grant


def street_access_open_grant(*, user: User, office: StreetOffice, now: dt.datetime | None = None) -> StreetAccessGrant | None:
    now = now or timezone.now()
    return (StreetAccessGrant.objects.filter(user=user, street_office=office, expires_at__gt=now)
            .order_by("-expires_at").first())


@transaction.atomic
def street_access_looked(*, member, what: str, now: dt.datetime | None = None) -> None:
    grant = member.extra.get("access_grant") if member is not None else None
    if grant is None or member.street_office is None:
        return
    _both_trails(actor=member, office=member.street_office, action=LOOKED, grant=grant, after={"what": what[:300]})
