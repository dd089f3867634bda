"""Writers of the district rollup: refresh one street office, rebuild many, and the debounced request
for a refresh after a street's data changed (ADR 0055).

- ``rollup_refresh(office=, now=)`` recomputes the street's figures (``core.rollup.metrics``) and
  replaces that street's rows of today's local date in one transaction; returns the rows written.
- ``rollup_rebuild(district=None, slug=None, now=)`` refreshes every street office (of a district,
  or one by slug); the nightly beat task and ``nuandong rollup rebuild [--street slug]`` call it.
- ``core.rollup.tasks.rollup_request_refresh(office_id)`` — called after a commit that changed a street's data —
  queues one refresh per street per debounce window: a Redis key ``rollup:pending:<id>`` (SET NX,
  expiring) lets the first change of a burst queue the task with ``countdown=DEBOUNCE_SECONDS``;
  the later ones see the key and queue nothing. The task drops the key before it computes, so a
  change during the computation queues the next refresh. Broker or Redis down: nothing is lost but
  freshness — the nightly rebuild (and the next change) catch up.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.rollup.metrics import street_metrics
from core.rollup.models import RollupFigure

logger = logging.getLogger("nuandong.rollup")
LOCAL = ZoneInfo("Asia/Shanghai")
DEBOUNCE_SECONDS = 15
PENDING_TTL_SECONDS = 300  # a lost message blocks refreshes of that street for at most this long


def local_day(now: dt.datetime) -> dt.date:
    return now.astimezone(LOCAL).date()


def rollup_refresh(*, office, now: dt.datetime | None = None) -> int:
    """Recompute one street office's figures and store them as today's rows (replacing today's)."""
    now = now or timezone.now()
    figures = street_metrics(office=office, now=now)
    day = local_day(now)
    rows = [
        RollupFigure(
            district_id=office.district_id, street_office_id=office.pk, community_id=community_id,
            community_name=figures.names.get(community_id, "")[:100], day=day, metric=metric, value=value,
            refreshed_at=now,
        )
        for community_id, values in figures.values.items()
        for metric, value in values.items()
    ]
    with transaction.atomic():
        RollupFigure.objects.filter(street_office_id=office.pk, day=day).delete()
        RollupFigure.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def rollup_rebuild(*, district=None, slug: str | None = None, now: dt.datetime | None = None) -> list[str]:
    """Refresh every street office (of ``district`` / the one ``slug``); returns the slugs refreshed.

    Raises ``StreetOffice.DoesNotExist`` for an unknown slug."""
    from tenants.models import StreetOffice

    offices = StreetOffice.objects.filter(district__isnull=False).exclude(schema_name="public").order_by("slug")
    if district is not None:
        offices = offices.filter(district=district)
    if slug:
        offices = [offices.get(slug=slug)]
    done = []
    for office in offices:
        rollup_refresh(office=office, now=now)
        done.append(office.slug)
    return done


def redis_client():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)


def pending_key(office_id: int) -> str:
    return f"rollup:pending:{office_id}"


def rollup_refresh_pending(office_id: int, *, now: dt.datetime | None = None) -> int:
    """The queued refresh: drop the pending mark, then recompute (0 when the street is gone)."""
    from tenants.models import StreetOffice

    try:
        redis_client().delete(pending_key(office_id))
    except Exception:  # noqa: BLE001 - the mark expires by itself
        logger.warning("rollup: could not clear the pending mark of street %s", office_id, exc_info=True)
    office = StreetOffice.objects.filter(pk=office_id, district__isnull=False).first()
    return 0 if office is None else rollup_refresh(office=office, now=now)
