"""Webhooks: subscriptions, the delivery outbox, signing, sending with retries, the log and replay.

Flow: a domain event (``core.integrations.events``) calls :func:`webhook_emit` inside the
transaction that changed the data; it writes one ``WebhookDelivery`` per matching active
subscription (the outbox) and, after the commit, asks a worker to send them. The beat task
``integrations.webhooks_dispatch`` (every minute) sends whatever is due — new rows the broker never
got and retries. A failed attempt (no 2xx within the timeout, or a refused address) is retried
after 30 s, 1, 2, 4, ... minutes (capped at 6 hours), ``MAX_ATTEMPTS`` in all; then the delivery is
``failed``. Each attempt is a ``WebhookAttempt`` row: the delivery log. A replay sends the same
event again as a new delivery (``replay_of``).

Signature: ``X-Nuandong-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``,
body = the exact bytes sent (UTF-8 JSON). Receivers recompute it and reject old ``t`` (replays).

Addresses: only http(s); every address the host name resolves to must be public, unless it lies in
``NUANDONG_WEBHOOK_ALLOWED_NETWORKS`` (development and tests: loopback; production: empty), so a
subscription cannot make the server call into its own network (SSRF). No redirects are followed.
ADR: docs/adr/0051-webhooks.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import time
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.audit.services import audit_record
from core.integrations.events import EVENT_TYPES
from core.integrations.keys import ensure_manager, owner_filter
from core.integrations.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from tenants.members import Member

logger = logging.getLogger("nuandong.integrations")

SIGNATURE_HEADER = "X-Nuandong-Signature"
MAX_ATTEMPTS = 8
BACKOFF_FIRST_S = 30
BACKOFF_MAX_S = 6 * 3600
TIMEOUT_S = 10
USER_AGENT = "Nuandong-Webhooks/1"


# --- signing ------------------------------------------------------------------------------
def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``"<timestamp>." + body`` with the subscription's secret."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={sign(secret=secret, timestamp=timestamp, body=body)}"


def verify(*, secret: str, header: str, body: bytes, now: float, tolerance_s: int = 300) -> bool:
    """What a receiver does (README): parse ``t`` and ``v1``, recompute, compare in constant time,
    refuse a timestamp older or newer than ``tolerance_s``."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret=secret, timestamp=timestamp, body=body), parts.get("v1", ""))


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the ``attempts``-th failed attempt: 30 s, 60 s, 120 s, ... at most 6 hours."""
    return dt.timedelta(seconds=min(BACKOFF_FIRST_S * 2 ** max(attempts - 1, 0), BACKOFF_MAX_S))


# --- addresses (SSRF) -------------------------------------------------------------------------
class AddressRefused(Exception):
    pass


def _allowed_networks() -> list:
    nets = []
    for entry in getattr(settings, "NUANDONG_WEBHOOK_ALLOWED_NETWORKS", []):
        try:
            nets.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            logger.warning("NUANDONG_WEBHOOK_ALLOWED_NETWORKS: ignoring %r", entry)
    return nets


def check_address(url: str) -> list[str]:
    """The addresses ``url``'s host resolves to, if every one may be called; else AddressRefused."""
    try:  # urlsplit and .port raise ValueError for a bad IPv6 literal or a port outside 0-65535
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AddressRefused("地址格式不正确（端口应为 1-65535） / malformed URL or port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused("只支持 http(s) 地址 / only http(s) URLs")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("地址中不能包含用户名或密码（请用签名校验） / no credentials in the URL (verify the signature)")
    if port == 0:
        raise AddressRefused("地址格式不正确（端口应为 1-65535） / malformed URL or port")
    try:
        infos = socket.getaddrinfo(parts.hostname, port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(f"无法解析主机名 / cannot resolve host: {exc}") from None
    allowed = _allowed_networks()
    addresses = sorted({info[4][0] for info in infos})
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if any(address in net for net in allowed):
            continue
        if not address.is_global or address.is_multicast:
            raise AddressRefused(f"不允许推送到内网或保留地址 / private or reserved address refused: {text}")
    return addresses


# --- subscriptions ----------------------------------------------------------------------------
def _validate(url: str, event_types: list[str], name: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = ["请填写名称 / name is required"]
    unknown = [e for e in event_types or [] if e not in EVENT_TYPES]
    if not event_types:
        errors["event_types"] = ["请至少选择一个事件 / choose at least one event"]
    elif unknown:
        errors["event_types"] = [f"未知事件 / unknown event: {', '.join(unknown)}"]
    try:
        check_address(url or "")
    except AddressRefused as exc:
        errors["url"] = [str(exc)]
    return errors


@transaction.atomic
def subscription_create(
    *, actor: Member, name: str, url: str, event_types: list[str], now: dt.datetime | None = None
) -> tuple[WebhookSubscription, str]:
    """Subscribe ``url`` to ``event_types`` for the actor's street office (district on the district
    site: also every event of its street offices). Returns ``(subscription, secret)``. Errors:
    PermissionDenied, ValidationError by field (name, url, event_types). Audited."""
    ensure_manager(actor)
    errors = _validate(url, event_types, name)
    if errors:
        raise ValidationError(errors)
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription = WebhookSubscription.objects.create(
        name=name.strip()[:80],
        url=url,
        event_types=sorted(set(event_types)),
        secret=secret,
        street_office=actor.street_office,
        district=None if actor.street_office is not None else actor.district,
        created_by_name=actor.user.display_name(),
        created_at=now or timezone.now(),
    )
    audit_record(actor=actor, action="webhook.create", obj=subscription,
                 after={"name": subscription.name, "url": url, "event_types": subscription.event_types})
    return subscription, secret


@transaction.atomic
def subscription_update(
    *, actor: Member, subscription_id: int, name: str | None = None, url: str | None = None,
    event_types: list[str] | None = None, is_active: bool | None = None,
) -> WebhookSubscription:
    """Change a subscription (only the given fields). Same errors as :func:`subscription_create`."""
    ensure_manager(actor)
    sub = WebhookSubscription.objects.select_for_update().get(owner_filter(actor), pk=subscription_id)
    before = {"name": sub.name, "url": sub.url, "event_types": sub.event_types, "is_active": sub.is_active}
    new_name = sub.name if name is None else name
    new_url = sub.url if url is None else url
    new_events = sub.event_types if event_types is None else sorted(set(event_types))
    errors = _validate(new_url, new_events, new_name) if (url is not None or event_types is not None or name) else {}
    if errors:
        raise ValidationError(errors)
    sub.name, sub.url, sub.event_types = new_name.strip()[:80], new_url, new_events
    if is_active is not None:
        sub.is_active = bool(is_active)
    sub.save()
    audit_record(actor=actor, action="webhook.update", obj=sub, before=before,
                 after={"name": sub.name, "url": sub.url, "event_types": sub.event_types, "is_active": sub.is_active})
    return sub


@transaction.atomic
def subscription_delete(*, actor: Member, subscription_id: int) -> None:
    ensure_manager(actor)
    sub = WebhookSubscription.objects.get(owner_filter(actor), pk=subscription_id)
    audit_record(actor=actor, action="webhook.delete", obj=sub, before={"name": sub.name, "url": sub.url})
    sub.delete()


def subscriptions_of(actor: Member):
    return WebhookSubscription.objects.filter(owner_filter(actor)).order_by("-created_at", "-id")


def deliveries_of(actor: Member, *, subscription_id: int | None = None):
    qs = WebhookDelivery.objects.filter(
        subscription__in=WebhookSubscription.objects.filter(owner_filter(actor))
    ).select_related("subscription")
    if subscription_id is not None:
        qs = qs.filter(subscription_id=subscription_id)
    return qs.order_by("-created_at", "-id")


# --- the outbox -------------------------------------------------------------------------------
def webhook_emit(
    *, event_type: str, street_office=None, district=None, data: dict, event_id: str | None = None,
    occurred_at: dt.datetime | None = None, now: dt.datetime | None = None,
) -> int:
    """Write one pending delivery per active subscription of ``event_type`` that belongs to the
    event's street office or to its district; send them after the commit. ``data`` must be thin
    JSON (ids, numbers, statuses: no personal data). Returns the number of deliveries written.
    The same ``event_id`` is delivered once per subscription (a unique rule)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event {event_type!r}: add it to core.integrations.events")
    now = now or timezone.now()
    if district is None and street_office is not None:
        district = street_office.district
    owners = Q(street_office=street_office) if street_office is not None else Q(pk__in=[])
    if district is not None:
        owners |= Q(district=district)
    subs = list(WebhookSubscription.objects.filter(owners, is_active=True, event_types__contains=[event_type]))
    if not subs:
        return 0
    event_id = event_id or str(uuid.uuid4())
    payload = {
        "id": event_id,
        "type": event_type,
        "occurred_at": (occurred_at or now).isoformat(),
        "street_office": {"slug": street_office.slug, "name": street_office.name} if street_office else None,
        "district": {"code": district.code, "name": district.name} if district else None,
        "data": data,
    }
    rows = [
        WebhookDelivery(subscription=s, event_id=event_id, event_type=event_type, payload=payload,
                        next_attempt_at=now, created_at=now)
        for s in subs
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    _send_after_commit()
    return len(rows)


DISPATCH_TASK = "integrations.webhooks_dispatch"


def _send_after_commit() -> None:
    """Ask a worker to send now, after the commit; a dead broker only delays until the beat."""

    def kick() -> None:
        from celery import current_app

        try:
            current_app.send_task(DISPATCH_TASK, retry=False)
        except Exception:  # noqa: BLE001 - broker unreachable: the outbox keeps the work for the beat
            logger.warning("broker unavailable: webhook deliveries wait for the dispatcher", exc_info=True)

    transaction.on_commit(kick)


@transaction.atomic
def delivery_replay(*, actor: Member, delivery_id: int, now: dt.datetime | None = None) -> WebhookDelivery:
    """Send a logged delivery's event again (a new delivery, same event id and body). Audited."""
    ensure_manager(actor)
    original = deliveries_of(actor).get(pk=delivery_id)
    if not original.subscription.is_active:
        raise PermissionDenied("订阅已停用，不能重发 / the subscription is inactive")
    now = now or timezone.now()
    replay = WebhookDelivery.objects.create(
        subscription=original.subscription, event_id=original.event_id, event_type=original.event_type,
        payload=original.payload, next_attempt_at=now, created_at=now, replay_of=original,
    )
    audit_record(actor=actor, action="webhook.replay", obj=replay, after={"replay_of": original.pk})
    _send_after_commit()
    return replay


def deliveries_dispatch(*, now: dt.datetime | None = None, limit: int = 200) -> dict:
    """Send every pending delivery whose time has come (the task and the beat call this)."""
    now = now or timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit]
    )
    result = {"picked": len(ids), "delivered": 0, "retry": 0, "failed": 0}
    for delivery_id in ids:
        outcome = delivery_attempt(delivery_id=delivery_id, now=now)
        if outcome:
            result[outcome] += 1
    return result


def delivery_attempt(*, delivery_id: int, now: dt.datetime | None = None) -> str | None:
    """One attempt of one pending delivery (skipped if another worker holds it or it is no longer
    due). Returns ``delivered``, ``retry``, ``failed`` or None (skipped)."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        status_code, error, duration_ms = _post(delivery, now)
        delivery.attempts += 1
        delivery.last_status_code = status_code
        WebhookAttempt.objects.create(delivery=delivery, at=now, status_code=status_code, error=error[:500],
                                      duration_ms=duration_ms)
        if status_code is not None and 200 <= status_code < 300:
            delivery.status, delivery.delivered_at, delivery.last_error = WebhookDelivery.Status.DELIVERED, now, ""
            outcome = "delivered"
        else:
            delivery.last_error = (error or f"HTTP {status_code}")[:500]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = WebhookDelivery.Status.FAILED
                outcome = "failed"
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts)
                outcome = "retry"
        delivery.save(update_fields=["attempts", "last_status_code", "status", "delivered_at", "last_error",
                                     "next_attempt_at"])
    return outcome


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def _post(delivery: WebhookDelivery, now: dt.datetime) -> tuple[int | None, str, int]:
    """POST the delivery's body; (status code or None, error text, milliseconds)."""
    sub = delivery.subscription
    body = body_of(delivery.payload)
    timestamp = int(now.timestamp())
    started = time.monotonic()
    try:
        check_address(sub.url)
        parts = urlsplit(sub.url)
        connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        timeout = getattr(settings, "NUANDONG_WEBHOOK_TIMEOUT_S", TIMEOUT_S)
        conn = connection_class(parts.hostname, parts.port, timeout=timeout)
        try:
            conn.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), body=body, headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                "X-Nuandong-Event": delivery.event_type,
                "X-Nuandong-Delivery": str(delivery.pk),
                "X-Nuandong-Event-Id": delivery.event_id,
                SIGNATURE_HEADER: signature_header(secret=sub.secret, timestamp=timestamp, body=body),
            })
            response = conn.getresponse()
            response.read(64 * 1024)
            status = response.status
        finally:
            conn.close()
    except AddressRefused as exc:
        return None, str(exc), 0
    except (OSError, http.client.HTTPException) as exc:
        return None, f"{type(exc).__name__}: {exc}", int((time.monotonic() - started) * 1000)
    return status, "" if 200 <= status < 300 else f"HTTP {status}", int((time.monotonic() - started) * 1000)
