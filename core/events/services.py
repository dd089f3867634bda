"""Domain events: publish inside the service's transaction, deliver to consumers after the commit.

    from core.events import consumer, publish

    publish("request.created", request, {"number": ..., ...}, actor=actor)   # in the service's atomic

    @consumer("notifications", events=["request.created", "request.assigned"])
    def tell(event):            # core/<app>/consumers.py, imported at start-up
        ...                     # runs in the event's street office schema, in one transaction

The event (``Event``) and one ``Delivery`` per subscribed consumer are written in the caller's
transaction: a rolled-back service leaves nothing, and nothing is delivered before the commit.
After the commit the events are handed to the broker (``events.deliver``); a refused or lost
message is picked up by the sweeper (beat ``events.sweep``, every minute), which delivers every
pending delivery whose time has come. A delivery is run under ``SELECT ... FOR UPDATE SKIP LOCKED``
and marked done in the same transaction as the consumer's writes, so each consumer's database
effect happens exactly once, whoever runs it and however often. A consumer that raises is retried
with exponential backoff (2, 4, 8 ... minutes, at most 1 hour apart) up to its ``max_attempts``,
then the delivery is marked failed and logged. Consumers that talk to the outside world (webhooks)
should only write a durable job or outbox row here (core.jobs), which is then exactly-once too.

ADR: docs/adr/0040-domain-events.md.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from core.events.models import Delivery, Event
from core.events.types import EVENT_TYPES, event_type

logger = logging.getLogger("nuandong.events")

SWEEP_BATCH = 500
MAX_BACKOFF = dt.timedelta(hours=1)
PUBLIC = "public"


@dataclass(frozen=True)
class Consumer:
    """A registered consumer: ``handle(event)`` for the listed ``events``.

    ``schema``: ``"street"`` runs the handler in the event's schema (a street office), ``"public"``
    runs it in the public schema (the district, cross-street consumers).
    """

    name: str
    handle: Callable[[Event], object]
    events: frozenset[str]
    schema: str = "street"
    max_attempts: int = 10


CONSUMERS: dict[str, Consumer] = {}


def consumer(name: str, *, events: list[str], schema: str = "street", max_attempts: int = 10):
    """Register ``fn(event: Event)`` as consumer ``name`` of the listed event types.

    Put it in ``<app>/consumers.py`` (imported at start-up by ``core.events.apps``). Raises
    ``ValueError`` for an unlisted event type, an unknown ``schema`` or a name registered twice
    with another function. The handler runs inside a transaction that also marks the delivery done;
    raising rolls both back and the delivery is retried later.
    """
    for name_ in events:
        event_type(name_)
    if schema not in ("street", "public"):
        raise ValueError(f"consumer {name!r}: schema must be 'street' or 'public'")

    def register(fn):
        existing = CONSUMERS.get(name)
        if existing is not None and existing.handle.__qualname__ != fn.__qualname__:
            raise ValueError(f"consumer {name!r} registered twice")
        CONSUMERS[name] = Consumer(
            name=name, handle=fn, events=frozenset(events), schema=schema, max_attempts=max_attempts
        )
        return fn

    return register


def consumers_of(event_type_name: str) -> list[Consumer]:
    return [c for c in CONSUMERS.values() if event_type_name in c.events]


def _subject(subject) -> tuple[str, int | None]:
    if subject is None:
        return "", None
    if isinstance(subject, models.Model):
        return subject._meta.label_lower, int(subject.pk)
    subject_type, subject_id = subject
    return str(subject_type), int(subject_id)


def _check_payload(name: str, payload: dict) -> None:
    kind = event_type(name)
    missing = kind.keys - set(payload)
    unknown = set(payload) - kind.keys - kind.optional
    if missing or unknown:
        raise ValueError(
            f"event {name!r}: payload keys missing {sorted(missing)}, not listed {sorted(unknown)} "
            "(core.events.types)"
        )


def publish(
    event_type: str,
    subject: models.Model | tuple[str, int] | None,
    payload: dict,
    *,
    actor=None,
    at: dt.datetime | None = None,
) -> Event:
    """Record that ``event_type`` happened to ``subject`` (a saved model, or ``(app_label.model, id)``).

    Call it inside the service's transaction (``RuntimeError`` otherwise). ``payload`` must carry
    exactly the keys listed for the type in ``core.events.types`` (``ValueError`` otherwise) as
    JSON values (datetimes, dates and Decimals are encoded as strings). ``actor``: the ``Member``
    (or ``None`` for the system); ``at``: when it happened (default now, aware UTC).
    Returns the saved ``Event``; its consumers get it after the commit.
    """
    return publish_many([(event_type, subject, payload)], actor=actor, at=at)[0]


def publish_many(
    items: list[tuple[str, models.Model | tuple[str, int] | None, dict]],
    *,
    actor=None,
    at: dt.datetime | None = None,
) -> list[Event]:
    """``publish`` for many events in a few statements (the clock scanner). Same rules and errors."""
    if not connection.in_atomic_block:
        raise RuntimeError("publish() must be called inside the service's transaction (transaction.atomic)")
    for name, _unused, payload in items:
        _check_payload(name, payload)
    if not items:
        return []
    at = at or timezone.now()
    now = timezone.now()
    schema = connection.schema_name or PUBLIC
    actor_id = getattr(getattr(actor, "user", None), "pk", None)
    subjects = [_subject(subject) for _name, subject, _payload in items]
    wanted = [(name, c.name) for name in {name for name, _s, _p in items} for c in consumers_of(name)]
    # One statement writes the events and their deliveries (a visit POST's budget counts statements:
    # docs/benchmarks.md); RETURNING gives the ids in the order of the rows selected from unnest.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH e AS (
                INSERT INTO public.events_event
                    (event_type, schema_name, subject_type, subject_id, payload, actor_user_id, occurred_at, created_at)
                SELECT t, %(schema)s, st, sid, p, %(actor)s, %(at)s, %(now)s
                  FROM unnest(%(types)s::varchar[], %(stypes)s::varchar[], %(sids)s::bigint[], %(payloads)s::jsonb[])
                       WITH ORDINALITY AS r(t, st, sid, p, n)
                 ORDER BY n
                RETURNING id, event_type
            ), d AS (
                INSERT INTO public.events_delivery
                    (event_id, consumer, state, attempts, next_attempt_at, done_at, last_error)
                SELECT e.id, c.consumer, 'pending', 0, %(now)s, NULL, ''
                  FROM e JOIN unnest(%(ctypes)s::varchar[], %(cnames)s::varchar[]) AS c(event_type, consumer)
                       ON c.event_type = e.event_type
            )
            SELECT id FROM e
            """,
            {
                "schema": schema, "actor": actor_id, "at": at, "now": now,
                "types": [name for name, _s, _p in items],
                "stypes": [st for st, _sid in subjects], "sids": [sid for _st, sid in subjects],
                "payloads": [json.dumps(payload, cls=DjangoJSONEncoder) for _n, _s, payload in items],
                "ctypes": [t for t, _c in wanted], "cnames": [c for _t, c in wanted],
            },
        )
        new_ids = [row[0] for row in cursor.fetchall()]
    events = [
        Event(pk=pk, event_type=name, schema_name=schema, subject_type=st, subject_id=sid,
              payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)), actor_user_id=actor_id,
              occurred_at=at, created_at=now)
        for pk, (name, _subject_unused, payload), (st, sid) in zip(new_ids, items, subjects, strict=True)
    ]
    ids = [e.pk for e in events]
    transaction.on_commit(lambda: events_send(event_ids=ids))
    return events


def events_send(*, event_ids: list[int]) -> bool:
    """Hand these events to the broker (task ``events.deliver``). Never raises: when the broker is
    unreachable the deliveries stay pending for the sweeper. Returns whether the broker accepted."""
    from celery import current_app

    try:
        for start in range(0, len(event_ids), 200):
            current_app.send_task(
                "events.deliver", kwargs={"event_ids": event_ids[start : start + 200]}, retry=False
            )
    except Exception:  # noqa: BLE001 - broker unreachable: the deliveries wait for the sweeper
        logger.warning("broker unavailable: events %s wait for the sweeper", event_ids[:10], exc_info=True)
        return False
    return True


def events_deliver(*, event_ids: list[int], now: dt.datetime | None = None) -> dict:
    """Deliver the pending deliveries of these events whose time has come (worker task)."""
    now = now or timezone.now()
    with schema_context(PUBLIC):
        ids = list(
            Delivery.objects.filter(
                event_id__in=event_ids, state=Delivery.State.PENDING, next_attempt_at__lte=now
            ).values_list("pk", flat=True)
        )
    return deliveries_run(delivery_ids=ids, now=now)


def events_sweep(*, now: dt.datetime | None = None, limit: int = SWEEP_BATCH) -> dict:
    """Beat, every minute: deliver every pending delivery whose time has come — lost messages,
    events published while the broker was down, and retries after a consumer failed.
    Returns ``{"picked": n, "done": n, "retry": n, "failed": n, "busy": n}``."""
    now = now or timezone.now()
    with schema_context(PUBLIC):
        ids = list(
            Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("pk", flat=True)[:limit]
        )
    return deliveries_run(delivery_ids=ids, now=now) | {"picked": len(ids)}


def deliveries_run(*, delivery_ids: list[int], now: dt.datetime | None = None) -> dict:
    """Run each delivery once: locked rows (another worker has them) and finished ones are skipped.

    The consumer runs in the same transaction that marks its delivery done; when it raises, its
    writes are rolled back and the delivery is retried after a backoff, or failed after
    ``max_attempts``. Returns counts ``{"done", "retry", "failed", "busy"}``.
    """
    result = {"done": 0, "retry": 0, "failed": 0, "busy": 0}
    for delivery_id in delivery_ids:
        result[_run_one(delivery_id, now)] += 1
    return result


def _run_one(delivery_id: int, now: dt.datetime | None) -> str:
    with schema_context(PUBLIC), transaction.atomic():
        row = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event")
            .filter(pk=delivery_id, state=Delivery.State.PENDING)
            .first()
        )
        if row is None:
            return "busy"
        moment = now or timezone.now()
        row.attempts += 1
        registered = CONSUMERS.get(row.consumer)
        try:
            if registered is None:
                raise LookupError(f"no consumer registered as {row.consumer!r}")
            with transaction.atomic(), _in_schema(PUBLIC if registered.schema == "public" else row.event.schema_name):
                registered.handle(row.event)
        except Exception as exc:  # noqa: BLE001 - recorded on the delivery; retried or failed
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            limit = registered.max_attempts if registered is not None else 1
            if row.attempts >= limit:
                row.state = Delivery.State.FAILED
                outcome = "failed"
                logger.error("event %s: consumer %s gave up: %s", row.event_id, row.consumer, row.last_error)
            else:
                row.next_attempt_at = moment + min(dt.timedelta(minutes=2**row.attempts), MAX_BACKOFF)
                outcome = "retry"
                logger.warning("event %s: consumer %s failed (attempt %s)", row.event_id, row.consumer, row.attempts)
        else:
            row.state, row.done_at, row.last_error = Delivery.State.DONE, moment, ""
            outcome = "done"
        row.save(update_fields=["attempts", "state", "done_at", "last_error", "next_attempt_at"])
        return outcome


@contextmanager
def _in_schema(schema_name: str):
    if schema_name == PUBLIC:
        with schema_context(PUBLIC):
            yield
        return
    from tenants.models import StreetOffice

    office = StreetOffice.objects.get(schema_name=schema_name)
    with tenant_context(office):
        yield


def event_labels() -> list[tuple[str, str, str]]:
    """Every listed event type as ``(name, Chinese label, English label)`` (for docs and pages)."""
    return [(t.name, t.label, t.label_en) for t in EVENT_TYPES.values()]
