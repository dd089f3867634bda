"""Small helpers shared by the street apps: phone formats, permission checks inside services."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Mobile, or a landline with area code (0355-1234567, 03551234567), optional extension.
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
MOBILE_ERROR = "手机号码格式不正确（11位，以1开头）/ invalid mobile number"
PHONE_ERROR = "电话号码格式不正确（手机或带区号的固话）/ invalid phone number"


def ensure_can(actor, action: str) -> None:
    """Services refuse writes the actor's role does not allow (views check too; this is the backstop)."""
    if actor is not None and hasattr(actor, "can") and not actor.can(action):
        raise PermissionDenied("当前角色无权执行此操作 / your role may not do this")


def current_office():
    """The StreetOffice whose schema is active (``schema_context`` leaves only a stand-in on the connection)."""
    from django.db import connection

    from tenants.models import StreetOffice

    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, StreetOffice):
        return tenant
    return StreetOffice.objects.filter(schema_name=connection.schema_name).first()
