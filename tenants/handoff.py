"""One login across the district site and its street subdomains.

Where the session cookie can be shared (a real base domain: SESSION_COOKIE_DOMAIN) one login
already covers every subdomain. Browsers refuse a shared cookie on ``localhost``, so links between
sites go through a signed, one-time, 60-second sign-in link: ``/accounts/go/<target>/`` on the site
the user is signed in to, redeemed by ``/accounts/handoff/`` on the target site.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import login
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare

from tenants.members import member_for
from tenants.models import PUBLIC_SCHEMA, LoginHandoff, StreetOffice, User

SALT = "nuandong.login-handoff"
MAX_AGE_SECONDS = 60
DISTRICT_TARGET = "district"


def target_office(target: str) -> StreetOffice | None:
    """The StreetOffice row of a target ('district' is the public site)."""
    if target == DISTRICT_TARGET:
        return StreetOffice.objects.filter(schema_name=PUBLIC_SCHEMA).first()
    return StreetOffice.objects.exclude(schema_name=PUBLIC_SCHEMA).filter(slug=target).first()


def handoff_token(*, user: User, target: str) -> str:
    return signing.dumps(
        {"u": user.pk, "t": target, "n": secrets.token_hex(16), "h": user.get_session_auth_hash()}, salt=SALT
    )


def handoff_url(*, request, office: StreetOffice, token: str, next_path: str = "/") -> str:
    from urllib.parse import urlencode

    from tenants.selectors import street_office_url

    if office.schema_name == PUBLIC_SCHEMA:
        port = request.get_port()
        suffix = "" if port in ("80", "443") else f":{port}"
        base = f"{request.scheme}://{settings.BASE_DOMAIN}{suffix}/"
    else:
        base = street_office_url(office, request)
    return f"{base}accounts/handoff/?{urlencode({'t': token, 'next': next_path})}"


def handoff_redeem(*, request, token: str) -> User | None:
    """Sign the user in on this site if the token is fresh, unused, for this site and still valid."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    tenant = request.tenant
    here = DISTRICT_TARGET if tenant.schema_name == PUBLIC_SCHEMA else tenant.slug
    if data.get("t") != here:
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or not constant_time_compare(user.get_session_auth_hash(), data.get("h", "")):
        return None
    if tenant.schema_name != PUBLIC_SCHEMA and member_for(user, tenant) is None:
        return None
    try:
        with transaction.atomic():
            LoginHandoff.objects.create(nonce=data["n"], user=user, target=here)
    except IntegrityError:
        return None  # already used
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return user


@transaction.atomic
def login_handoffs_purge(*, now=None) -> int:
    """Forget used sign-in links whose tokens have long expired (they can no longer be replayed)."""
    import datetime as dt

    from django.utils import timezone

    from core.audit.services import audit_record

    cutoff = (now or timezone.now()) - dt.timedelta(days=1)
    deleted, _ = LoginHandoff.objects.filter(used_at__lt=cutoff).delete()
    if deleted:
        audit_record(
            actor=None,
            action="login_handoff.purge",
            object_type="tenants.loginhandoff",
            after={"deleted": deleted, "used_before": cutoff},
        )
    return deleted
