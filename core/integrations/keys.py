"""API keys: create (the secret shown once), revoke, verify, rate-limit, record use.

Key format ``<prefix>.<secret>``: ``prefix`` is 12 hex characters, public, the key's name in logs and
audit rows; ``secret`` is 43 URL-safe characters (256 bits) stored only as its SHA-256. A key acts as
its creator in its street office or district, narrowed to its scopes (``core.integrations.scopes``).
ADR: docs/adr/0050-api-keys.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import logging
import secrets
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.audit.services import audit_record
from core.integrations.models import ApiKey
from core.integrations.scopes import SCOPES
from tenants.members import Member

logger = logging.getLogger("nuandong.integrations")

MANAGE_ACTION = "integration.manage"
MAX_RATE_PER_MINUTE = 6000
DEFAULT_RATE_PER_MINUTE = 120


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def ensure_manager(actor: Member) -> None:
    """Street staff (their street office) and the district admin (their district) manage integrations."""
    if actor is None or not actor.can(MANAGE_ACTION):
        raise PermissionDenied("当前角色无权管理接口密钥与推送 / your role may not manage integrations")
    if actor.read_only:
        raise PermissionDenied("区级账号在街道只读 / district accounts are read-only in a street")


def owner_filter(actor: Member) -> Q:
    """The rows an actor manages: its street office's, or on the district site its district's."""
    if actor.street_office is not None:
        return Q(street_office=actor.street_office)
    return Q(district=actor.district)


def parse_networks(entries: list[str] | str) -> list[str]:
    """CIDR strings (one per line or a list) → normalised networks; ValidationError on a bad one."""
    if isinstance(entries, str):
        entries = [e for e in entries.replace(",", "\n").splitlines()]
    nets, bad = [], []
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        try:
            nets.append(str(ipaddress.ip_network(entry, strict=False)))
        except ValueError:
            bad.append(entry)
    if bad:
        raise ValidationError({"allowed_ips": [f"地址格式不正确 / not an address or network: {', '.join(bad)[:200]}"]})
    return nets


@transaction.atomic
def key_create(
    *,
    actor: Member,
    name: str,
    scopes: list[str],
    expires_at: dt.datetime | None = None,
    allowed_ips: list[str] | str = (),
    rate_per_minute: int = DEFAULT_RATE_PER_MINUTE,
    now: dt.datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key for the actor's street office (or district on the district site).

    Returns ``(key, full_key)``; ``full_key`` (``prefix.secret``) is never stored and cannot be shown
    again. Errors: PermissionDenied (role), ValidationError by field (name, scopes, expires_at,
    allowed_ips, rate_per_minute). Audited ``api_key.create``.
    """
    ensure_manager(actor)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["请填写名称 / name is required"]
    scopes = sorted(set(scopes or []))
    unknown = [s for s in scopes if s not in SCOPES]
    if not scopes:
        errors["scopes"] = ["请至少选择一个权限范围 / choose at least one scope"]
    elif unknown:
        errors["scopes"] = [f"未知的权限范围 / unknown scope: {', '.join(unknown)}"]
    else:
        useless = [s for s in scopes if not any(actor.can(a) for a in SCOPES[s][1])]
        if useless:
            errors["scopes"] = [f"您的角色没有此范围的权限 / your role has no part of: {', '.join(useless)}"]
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = ["到期时间须晚于现在 / expires_at must be in the future"]
    if not (1 <= int(rate_per_minute) <= MAX_RATE_PER_MINUTE):
        errors["rate_per_minute"] = [f"须在1至{MAX_RATE_PER_MINUTE}之间 / between 1 and {MAX_RATE_PER_MINUTE}"]
    try:
        networks = parse_networks(allowed_ips)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        networks = []
    if errors:
        raise ValidationError(errors)
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name[:80],
        prefix=prefix,
        secret_hash=_hash(secret),
        street_office=actor.street_office,
        district=None if actor.street_office is not None else actor.district,
        created_by=actor.user,
        scopes=scopes,
        allowed_ips=networks,
        expires_at=expires_at,
        rate_per_minute=int(rate_per_minute),
        created_at=now,
    )
    audit_record(actor=actor, action="api_key.create", obj=key, after=_snapshot(key))
    return key, f"{prefix}.{secret}"


def _snapshot(key: ApiKey) -> dict:
    return {
        "name": key.name,
        "prefix": key.prefix,
        "scopes": key.scopes,
        "allowed_ips": key.allowed_ips,
        "expires_at": key.expires_at,
        "rate_per_minute": key.rate_per_minute,
        "revoked_at": key.revoked_at,
    }


@transaction.atomic
def key_revoke(*, actor: Member, key_id: int, now: dt.datetime | None = None) -> ApiKey:
    """Revoke a key of the actor's street office / district (404-like DoesNotExist otherwise). Audited."""
    ensure_manager(actor)
    key = ApiKey.objects.select_for_update().get(owner_filter(actor), pk=key_id)
    if key.revoked_at is None:
        key.revoked_at = now or timezone.now()
        key.revoked_by_name = actor.user.display_name()
        key.save(update_fields=["revoked_at", "revoked_by_name"])
        audit_record(actor=actor, action="api_key.revoke", obj=key, after=_snapshot(key))
    return key


def keys_of(actor: Member):
    """The keys of the actor's street office or district, newest first."""
    return ApiKey.objects.filter(owner_filter(actor)).select_related("created_by").order_by("-created_at", "-id")


# --- use ----------------------------------------------------------------------------------
class KeyRefused(Exception):
    """Why a presented key does not open this request: ``code`` (``invalid``, ``expired``,
    ``revoked``, ``wrong_site``, ``ip_not_allowed``) and a Chinese/English message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def key_check(*, raw: str, tenant, ip: str, now: dt.datetime | None = None) -> ApiKey:
    """The key ``raw`` (``prefix.secret``) if it may be used on ``tenant`` from ``ip`` at ``now``.

    ``tenant`` is the request's StreetOffice (the platform row or None on the district site). A
    street key works on its own street's site; a district key on the district site and — read-only,
    as district members are — on its street offices' sites. Raises :class:`KeyRefused`.
    """
    now = now or timezone.now()
    prefix, _, secret = (raw or "").strip().partition(".")
    key = ApiKey.objects.select_related("created_by", "street_office", "district").filter(prefix=prefix).first()
    if key is None or not secret or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        raise KeyRefused("invalid", "接口密钥无效 / invalid API key")
    if key.revoked_at is not None:
        raise KeyRefused("revoked", "接口密钥已吊销 / the API key was revoked")
    if key.expires_at is not None and key.expires_at <= now:
        raise KeyRefused("expired", "接口密钥已过期 / the API key has expired")
    on_district_site = tenant is None or getattr(tenant, "is_platform", False)
    if key.street_office_id is not None:
        fits = not on_district_site and tenant.pk == key.street_office_id
    else:
        fits = on_district_site or tenant.district_id == key.district_id
    if not fits:
        raise KeyRefused("wrong_site", "此密钥不适用于本站点 / this key is not valid on this site")
    if key.allowed_ips and not _ip_allowed(ip, key.allowed_ips):
        raise KeyRefused("ip_not_allowed", "来源地址不在此密钥的允许范围内 / this address may not use the key")
    return key


def _ip_allowed(ip: str, networks: list[str]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for net in networks:
        try:
            if address in ipaddress.ip_network(net, strict=False):
                return True
        except ValueError:
            continue
    return False


# A sliding window per key in Redis (so every server process counts together): the request times
# of the last 60 s in a sorted set; over the limit the answer is 429 with Retry-After.
_WINDOW_S = 60
_RATE_SCRIPT = """
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return math.ceil(tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', key, now, member)
redis.call('EXPIRE', key, window + 1)
return 0
"""
_redis = None


def redis_client():
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    return _redis


def key_rate_wait(key: ApiKey) -> int:
    """0 if this request fits the key's ``rate_per_minute`` (and counts it); else the seconds to wait.

    Redis unreachable: allowed (logged) — an outage of the counter must not stop integrations.
    """
    now = time.time()
    try:
        wait = redis_client().eval(
            _RATE_SCRIPT, 1, f"nd:apikey:rate:{key.prefix}", now, _WINDOW_S, key.rate_per_minute,
            f"{now:.6f}:{secrets.token_hex(4)}",
        )
    except Exception:  # noqa: BLE001 - the limiter fails open; the key checks above still hold
        logger.warning("API key rate limiter unavailable", exc_info=True)
        return 0
    return max(int(wait), 1) if int(wait) else 0


_USE_MARK_S = 3600  # a read with a key is audited the first time per key and hour


def key_record_use(*, key: ApiKey, member: Member, method: str, path: str, ip: str,
                   now: dt.datetime | None = None) -> bool:
    """Stamp the key's last use and write the audit event ``api_key.use``: for every write
    (any method but GET/HEAD/OPTIONS) and for the first read per key and hour. Returns whether an
    audit event was written."""
    now = now or timezone.now()
    ApiKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - dt.timedelta(seconds=30)) | ~Q(last_used_ip=ip)
    ).update(last_used_at=now, last_used_ip=ip[:45])
    write = method not in ("GET", "HEAD", "OPTIONS")
    if not write:
        try:
            first = redis_client().set(f"nd:apikey:used:{key.prefix}:{int(time.time()) // _USE_MARK_S}", 1,
                                       nx=True, ex=_USE_MARK_S + 60)
        except Exception:  # noqa: BLE001 - without the counter every read is audited
            first = True
        if not first:
            return False
    audit_record(
        actor=member,
        action="api_key.use",
        obj=key,
        after={"method": method, "path": path[:200], "ip": ip, "prefix": key.prefix},
        reason=f"接口密钥 {key.name} ({key.prefix})",
    )
    return True
