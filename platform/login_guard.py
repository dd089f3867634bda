"""Login protection for the web sign-in form and the API token endpoint alike (django-axes).

Every failed sign-in is counted in the database (so every server process counts together) twice:
against the account and against the client address.

- **Per account, strict**: ``NUANDONG_LOGIN_ACCOUNT_LIMIT`` (default 5) failures lock the account,
  from every address, until the cool-off (``NUANDONG_LOGIN_COOLOFF_HOURS``, default 0.5 h) passes
  or the street's staff / the district admin lift it (``login_lockout_lift``).
- **Per address, generous**: ``NUANDONG_LOGIN_ADDRESS_LIMIT`` (default 100) failures from one
  address lock that address (a street office's colleagues share one public address).

The client address is the connecting address; ``X-Forwarded-For`` is believed only when the
connection comes from a proxy in ``NUANDONG_TRUSTED_PROXIES``. A signed-in success resets the
account's count. Locking out and lifting are written to the audit trail.
"""

from __future__ import annotations

import ipaddress
import logging

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

logger = logging.getLogger("nuandong.security")

LOCKED_MESSAGE = "登录失败次数过多，账号已暂时锁定。请稍后再试，或请街道民政办、区民政局管理员解除锁定。"
LOCKED_MESSAGE_EN = "Too many failed sign-ins: locked for now. Try later or ask the street office or district admin to lift it."


def _networks() -> list:
    nets = []
    for entry in getattr(settings, "NUANDONG_TRUSTED_PROXIES", []):
        try:
            nets.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            logger.warning("NUANDONG_TRUSTED_PROXIES: ignoring %r (not an address or network)", entry)
    return nets


def _trusted(address: str, networks: list) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request) -> str:
    """The client's address: the connecting address, or — behind configured proxies only — the
    right-most ``X-Forwarded-For`` entry that is not itself a trusted proxy."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = _networks()
    if not networks or not _trusted(remote, networks):
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for hop in reversed(chain):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote
    return remote


def username_of(request, credentials) -> str:
    """The account a sign-in attempt names, as the login compares it (case kept, spaces trimmed)."""
    raw = ""
    if credentials:
        raw = credentials.get("username") or ""
    elif request is not None and hasattr(request, "POST"):
        raw = request.POST.get("username", "")
    return str(raw).strip()[:150]


class LoginGuardHandler(AxesDatabaseHandler):
    """Axes' database handler with two limits: strict per account, generous per address."""

    def get_failures(self, request, credentials=None) -> int:
        by_account, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        # Axes compares the result with AXES_FAILURE_LIMIT (= the address limit).
        if by_account >= settings.NUANDONG_LOGIN_ACCOUNT_LIMIT:
            return max(by_address, settings.AXES_FAILURE_LIMIT)
        return by_address


def lockout_response(request, original_response=None, credentials=None):
    """429: JSON ``{code, message, details}`` on the API, the sign-in page with the reason elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "locked_out", "message": f"{LOCKED_MESSAGE} / {LOCKED_MESSAGE_EN}", "details": {}},
            status=429,
        )
    from django.contrib.auth.forms import AuthenticationForm

    return render(
        request,
        "registration/login.html",
        {"form": AuthenticationForm(request), "locked_out": True, "next": request.POST.get("next", "")},
        status=429,
    )


@receiver(user_locked_out)
def _audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    from core.audit.services import audit_record

    audit_record(
        actor=None,
        action="login.locked_out",
        object_type="account",
        object_id=username or "",
        after={"username": username, "ip_address": ip_address},
    )


# --- visible and liftable -------------------------------------------------------------------
def lockouts_for(usernames: list[str] | None) -> list[dict]:
    """Accounts locked now (failures within the cool-off at or over the account limit).

    ``usernames``: restrict to these accounts (a street's members); ``None``: all accounts.
    Returns ``[{"username", "failures", "last_attempt"}]``, most recent first.
    """
    since = timezone.now() - timezone.timedelta(hours=settings.AXES_COOLOFF_TIME)
    qs = AccessAttempt.objects.filter(attempt_time__gte=since)
    if usernames is not None:
        qs = qs.filter(username__in=usernames)
    rows = (
        qs.values("username")
        .annotate(failures=Sum("failures_since_start"), last_attempt=Max("attempt_time"))
        .filter(failures__gte=settings.NUANDONG_LOGIN_ACCOUNT_LIMIT)
        .order_by("-last_attempt", "username")
    )
    return list(rows)


@transaction.atomic
def login_lockout_lift(*, actor, username: str) -> int:
    """Lift an account's lockout (its failure counts go); audited. Returns the attempts removed."""
    from core.audit.services import audit_record

    removed, _ = AccessAttempt.objects.filter(username=username).delete()
    audit_record(
        actor=actor,
        action="login.lockout_lifted",
        object_type="account",
        object_id=username,
        after={"username": username, "attempts_removed": removed},
    )
    return removed
