"""What the clock engine knows about the domains: only what they register at start-up.

A domain registers, in its ``deadlines.py`` module (imported by ``core.deadlines.apps`` when Django
starts), each kind of subject it puts clocks on::

    from core.deadlines.subjects import clock_subject_register

    clock_subject_register(
        "requests.citizenrequest",             # the subject's app_label.model
        label="诉求",
        url=lambda subject_id: f"/requests/{subject_id}/",
        kinds={"respond": "响应", "handle": "处置", "feedback": "反馈"},
        events={"overdue": "request.overdue", "escalated": "request.escalated"},  # core.events types
    )

and, when it has work the minute scanner must run in every street before the clocks are scanned
(the campaign's deliverable checks), ``street_work_register("campaign", fn)`` with
``fn(*, office, now)``. ``clock_start`` refuses a kind nobody registered; pages take the labels and
links from here (``kind_label``, ``subject_url``); the scanner publishes the registered events when
a clock goes overdue or climbs a tier, and starts escalation where ``escalation_start`` says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

FALLBACK_URL = "/deadlines/"


@dataclass(frozen=True)
class ClockSubject:
    """A registered kind of subject.

    ``url(subject_id) -> str``: the subject's page on its street's site. ``kinds``: clock kind ->
    Chinese label. ``events``: ``"overdue"`` / ``"escalated"`` -> a ``core.events`` type published
    by the scanner. ``escalation_start(clock) -> int | None``: the tier (index of
    ``core.deadlines.escalation.TIERS``) a clock's responsible person sits on, when the domain knows
    better than the person's role (``None``: by role).
    """

    subject_type: str
    label: str
    url: Callable[[int], str]
    kinds: Mapping[str, str]
    events: Mapping[str, str] = field(default_factory=dict)
    escalation_start: Callable[[object], int | None] | None = None


SUBJECTS: dict[str, ClockSubject] = {}
KIND_LABELS: dict[str, str] = {}  # every registered clock kind -> its label (filled by registration)
STREET_WORK: dict[str, Callable[..., object]] = {}


def clock_subject_register(
    subject_type: str,
    *,
    label: str,
    url: Callable[[int], str],
    kinds: Mapping[str, str],
    events: Mapping[str, str] | None = None,
    escalation_start: Callable[[object], int | None] | None = None,
) -> ClockSubject:
    """Register a subject type (see the module docstring). Raises ``ValueError`` when a kind is
    already another subject's with another label, or an event type is not listed in core.events."""
    events = dict(events or {})
    unknown = set(events) - {"overdue", "escalated"}
    if unknown:
        raise ValueError(f"{subject_type}: events may name 'overdue' and 'escalated', not {sorted(unknown)}")
    from core.events.types import event_type

    for name in events.values():
        event_type(name)
    for kind, kind_label in kinds.items():
        if KIND_LABELS.get(kind, kind_label) != kind_label:
            raise ValueError(f"clock kind {kind!r} registered twice with different labels")
    subject = ClockSubject(
        subject_type=subject_type,
        label=label,
        url=url,
        kinds=dict(kinds),
        events=events,
        escalation_start=escalation_start,
    )
    SUBJECTS[subject_type] = subject
    KIND_LABELS.update(subject.kinds)
    return subject


def street_work_register(name: str, work: Callable[..., object]) -> None:
    """Work the scanner runs in each street office (in its schema, in a transaction of its own,
    isolated: a failure is logged, alerted and does not stop the scan) before scanning the clocks.
    ``work(*, office, now)``."""
    STREET_WORK[name] = work


def kind_label(kind: str) -> str:
    """The label of a clock kind ("响应"); the kind itself when no domain registered it."""
    return KIND_LABELS.get(kind, kind)


def subject_url(clock) -> str:
    """The page of a clock's subject on its street's site (the deadlines page when not registered)."""
    subject = SUBJECTS.get(clock.subject_type)
    return subject.url(clock.subject_id) if subject is not None else FALLBACK_URL


def subject_event(clock, what: str) -> str:
    """The ``core.events`` type the domain wants published when ``clock`` goes ``what``
    (``"overdue"`` / ``"escalated"``), or ``""``."""
    subject = SUBJECTS.get(clock.subject_type)
    return subject.events.get(what, "") if subject is not None else ""


def escalation_start(clock) -> int | None:
    subject = SUBJECTS.get(clock.subject_type)
    if subject is None or subject.escalation_start is None:
        return None
    return subject.escalation_start(clock)


def clock_event_payload(clock, *, now: dt.datetime | None = None, **more) -> dict:
    """The payload of a clock event (``request.overdue`` / ``request.escalated``, core.events.types)."""
    return {
        "clock_id": clock.pk,
        "clock_kind": clock.kind,
        "due_at": clock.due_at,
        "responsible_user_id": clock.responsible_user_id,
        "url": subject_url(clock),
    } | more
