"""Celery queues: user uploads, reports and the minute scanner never wait behind one another.

Four kinds of queue, named after the deployment's base queue (``NUANDONG_CELERY_QUEUE``, default
``celery``): ``default`` (notifications, sweeps, small tasks), ``deadlines`` (the clock scanner),
``imports`` (roster imports) and ``reports`` (report runs). A worker started without ``-Q``
consumes all four (``CELERY_TASK_QUEUES``); a deployment gives the deadlines a worker of their own
(``celery worker -Q <base>.deadlines``) so no upload can starve them. See README "Background work".
"""

from __future__ import annotations

QUEUE_KINDS = ("default", "deadlines", "imports", "reports")

# Task name prefix -> queue kind (the first match wins). Durable jobs pass their queue explicitly.
ROUTES: tuple[tuple[str, str], ...] = (
    ("deadlines.", "deadlines"),
    ("reports.", "reports"),
    ("registry.", "imports"),
)


def queue_name(kind: str, base: str | None = None) -> str:
    """The broker queue of a kind: ``base`` for default, ``base.kind`` otherwise; ``base`` defaults
    to the Celery app's current default queue (so a test worker's own queue carries its kinds too)."""
    if kind not in QUEUE_KINDS:
        raise ValueError(f"unknown queue kind {kind!r}")
    if base is None:
        from celery import current_app  # the nuandong app once configured; never imported from here

        base = current_app.conf.task_default_queue
    return base if kind == "default" else f"{base}.{kind}"


def all_queues(base: str) -> list[str]:
    return [queue_name(kind, base) for kind in QUEUE_KINDS]


def route_task(name, args, kwargs, options, task=None, **kw):
    """Celery router (``CELERY_TASK_ROUTES``): the queue of a task by its name's prefix."""
    if options.get("queue"):
        return None
    for prefix, kind in ROUTES:
        if name.startswith(prefix):
            return {"queue": queue_name(kind)}
    return None
