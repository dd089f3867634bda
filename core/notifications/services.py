"""Writing notifications and delivering the outbox."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from core.notifications.channels import DeliveryError, address_for, deliver, enabled_channels
from core.notifications.models import Notification, Outbox
from tenants.models import StreetOffice, User
from tenants.selectors import current_street_office

logger = logging.getLogger("nuandong.notifications")
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Draft:
    """One notification to write: the same ``dedupe_key`` for the same user is written only once."""

    user_id: int
    kind: str
    title: str
    dedupe_key: str
    body: str = ""
    url: str = ""


def notify(
    *,
    user_ids: list[int] | set[int],
    kind: str,
    title: str,
    dedupe_key: str,
    body: str = "",
    url: str = "",
    now: dt.datetime | None = None,
    street_office: StreetOffice | None = None,
) -> list[int]:
    """Put a notification in each user's inbox (once per user and ``dedupe_key``) and queue its delivery.

    Runs inside the caller's transaction: inbox and outbox rows commit with the change that caused
    them. Delivery is queued after commit; if the broker is down the dispatcher sends it later.
    Returns the ids of the notifications written now (empty when all were already there).
    """
    drafts = [
        Draft(user_id=u, kind=kind, title=title, dedupe_key=dedupe_key, body=body, url=url) for u in user_ids
    ]
    return notify_many(drafts, now=now, street_office=street_office)


def notify_many(
    drafts: list[Draft], *, now: dt.datetime | None = None, street_office: StreetOffice | None = None
) -> list[int]:
    """Write many notifications in a few statements (the scanner tells thousands at once)."""
    if not drafts:
        return []
    now = now or timezone.now()
    office = street_office or current_street_office()
    users = {u.pk: u for u in User.objects.filter(pk__in={d.user_id for d in drafts}, is_active=True)}
    rows = [d for d in drafts if d.user_id in users]
    created: list[tuple[int, int]] = []
    table = Notification._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, NULL)"] * len(chunk))
            params: list = []
            for d in chunk:
                params += [
                    d.user_id,
                    office.pk if office else None,
                    d.kind[:40],
                    d.title[:200],
                    d.body,
                    d.url[:300],
                    d.dedupe_key[:160],
                    now,
                ]
            cursor.execute(
                f'INSERT INTO "public"."{table}" (user_id, street_office_id, kind, title, body, url, dedupe_key, '
                f"created_at, read_at) VALUES {values} ON CONFLICT (user_id, dedupe_key) DO NOTHING "
                "RETURNING id, user_id",
                params,
            )
            created += cursor.fetchall()
    channels = enabled_channels()
    outbox = [
        Outbox(notification_id=notification_id, channel=channel, address=address, next_attempt_at=now)
        for notification_id, user_id in created
        for channel in channels
        if (address := address_for(users[user_id], channel))
    ]
    Outbox.objects.bulk_create(outbox, batch_size=1000)
    if outbox:
        from core.notifications.tasks import outbox_deliver_task
        from nuandong.tasks import queue_on_commit_or_later

        ids = [row.pk for row in outbox]
        for start in range(0, len(ids), 200):  # one message per 200 deliveries
            queue_on_commit_or_later(outbox_deliver_task, outbox_ids=ids[start : start + 200])
    return [notification_id for notification_id, _user in created]


def notification_mark_read(
    *, user: User, ids: list[int] | None = None, now: dt.datetime | None = None
) -> int:
    """Mark the user's notifications read (all unread ones when ``ids`` is None). Returns how many."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=now or timezone.now())


def outbox_deliver(*, outbox_ids: list[int], now: dt.datetime | None = None) -> dict:
    """Deliver these pending outbox rows (each once: locked rows are skipped, sent rows are left alone)."""
    result = {"sent": 0, "retry": 0, "failed": 0}
    for outbox_id in outbox_ids:
        with transaction.atomic():
            row = (
                Outbox.objects.select_for_update(skip_locked=True)
                .select_related("notification")
                .filter(pk=outbox_id, status=Outbox.Status.PENDING)
                .first()
            )
            if row is None:
                continue
            moment = now or timezone.now()
            row.attempts += 1
            try:
                deliver(row.channel, row.address, row.notification.title, _body(row.notification))
            except DeliveryError as exc:
                row.last_error = str(exc)[:500]
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = Outbox.Status.FAILED
                    result["failed"] += 1
                else:
                    row.next_attempt_at = moment + dt.timedelta(minutes=2**row.attempts)
                    result["retry"] += 1
                logger.warning("delivery of outbox %s failed: %s", row.pk, exc)
            else:
                row.status, row.sent_at, row.last_error = Outbox.Status.SENT, moment, ""
                result["sent"] += 1
            row.save(update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"])
    return result


def _body(notification: Notification) -> str:
    parts = [notification.title, notification.body]
    if notification.url and notification.street_office_id:
        domain = (
            notification.street_office.domains.filter(is_primary=True)
            .values_list("domain", flat=True)
            .first()
        )
        if domain:
            parts.append(f"https://{domain}{notification.url}")
    return "\n\n".join(p for p in parts if p)


def outbox_dispatch_pending(*, now: dt.datetime | None = None, limit: int = 500) -> dict:
    """Deliver every pending row whose time has come (the periodic safety net behind the broker)."""
    now = now or timezone.now()
    ids = list(
        Outbox.objects.filter(status=Outbox.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
    return outbox_deliver(outbox_ids=ids, now=now) | {"picked": len(ids)}
