"""``Workflow`` and ``Step``: transition tables with labels, steps for a member, step events, numbering,
assign + publish + move the clocks, row lock + re-check. See ``core.workflow`` for how a domain uses it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

CONFLICT_MESSAGE = "已被他人处理"


class StepConflict(ValidationError):
    """The subject changed under the caller: another member took a step first (API: HTTP 409).

    ``details`` carries the status now; ``str``/``messages`` give "已被他人处理：... / ...".
    """

    def __init__(self, message: str, *, status: str, status_label: str):
        super().__init__({"status": [message]}, code="conflict")
        self.status = status
        self.status_label = status_label


@dataclass(frozen=True)
class Step:
    """One step of a workflow.

    ``name``: what pages and the API call it ("respond"); ``label``: Chinese, shown on buttons and in
    messages ("响应"); ``sources``: the statuses it may start from; ``target``: the status after it
    (equal to the source for steps that do not move the status); ``action``: the role-matrix action
    (``tenants.roles``) a member needs; ``event``: the step name written to the history (default:
    ``name``); ``not_by``: separation of duties — history steps (event names, e.g. ``{"accepted",
    "investigated"}``) whose actor may not take this step on the same subject (the review opinion
    comes from someone other than who accepted or investigated; nobody decides what they accepted).
    """

    name: str
    label: str
    sources: frozenset[str]
    target: str
    action: str
    event: str = ""
    not_by: frozenset[str] = frozenset()

    def __post_init__(self):
        object.__setattr__(self, "sources", frozenset(self.sources))
        object.__setattr__(self, "not_by", frozenset(self.not_by))
        if not self.event:
            object.__setattr__(self, "event", self.name)


def actor_user_id(actor) -> int | None:
    """The user id behind a ``Member`` (``None`` for the system)."""
    return getattr(getattr(actor, "user", None), "pk", None)


def actor_name(actor) -> str:
    """The display name behind a ``Member``; "系统" for the system."""
    user = getattr(actor, "user", None)
    return user.display_name() if user else "系统"


@dataclass
class Workflow:
    """One domain's workflow. ``event_model`` is a concrete ``StepEvent`` with a FK named ``event_fk``.

    ``assignee_field`` / ``assignee_name_field``: where the subject keeps who holds it now (for
    ``assign``); ``url``: the subject's page, for notifications.
    """

    model: type[models.Model]
    status_labels: Mapping[str, str]
    steps: Iterable[Step]
    event_model: type[models.Model]
    event_fk: str
    audit_prefix: str
    number_prefix: str = ""
    status_field: str = "status"
    assignee_field: str = "assignee_user_id"
    assignee_name_field: str = "assignee_name"
    url: Callable[[models.Model], str] = lambda subject: ""  # noqa: E731
    _steps: dict[str, Step] = field(init=False, repr=False)

    def __post_init__(self):
        self._steps = {}
        for step in self.steps:
            if step.name in self._steps:
                raise ValueError(f"step {step.name!r} declared twice")
            unknown = (step.sources | {step.target}) - set(self.status_labels)
            if unknown:
                raise ValueError(f"step {step.name!r}: unknown statuses {sorted(unknown)}")
            self._steps[step.name] = step
        self.steps = tuple(self._steps.values())

    # --- the table ---------------------------------------------------------------------------------
    @property
    def transitions(self) -> dict[str, set[str]]:
        """Status -> the statuses reachable in one step (the classic transition table, for docs)."""
        table: dict[str, set[str]] = {status: set() for status in self.status_labels}
        for step in self.steps:
            for source in step.sources:
                table[source].add(step.target)
        return table

    def step(self, name: str) -> Step:
        try:
            return self._steps[name]
        except KeyError:
            raise ValueError(f"unknown step {name!r}") from None

    def status_of(self, subject) -> str:
        return getattr(subject, self.status_field)

    def label(self, status: str) -> str:
        return str(self.status_labels.get(status, status))

    def allowed(self, subject, name: str) -> bool:
        return self.status_of(subject) in self.step(name).sources

    def available(self, subject, member) -> list[Step]:
        """The steps ``member`` may take on ``subject`` now: the status allows it, the role may, and
        no ``not_by`` rule bars the member (one history query, only when a candidate step has one)."""
        status = self.status_of(subject)
        steps = [s for s in self.steps if status in s.sources and member is not None and member.can(s.action)]
        if not any(s.not_by for s in steps):
            return steps
        done = self.steps_done_by(subject, actor_user_id(member), set().union(*(s.not_by for s in steps)))
        return [s for s in steps if not (s.not_by & done)]

    def steps_done_by(self, subject, user_id: int | None, events) -> set[str]:
        """Which of the history steps ``events`` ``user_id`` took on ``subject`` (any round)."""
        if user_id is None or not events or subject.pk is None:
            return set()
        return set(
            self.event_model.objects.filter(**{self.event_fk: subject}, actor_id=user_id, step__in=sorted(events))
            .values_list("step", flat=True)
        )

    def separation_conflict(self, subject, name: str, actor) -> str | None:
        """The label of an earlier step by ``actor`` that bars them from step ``name`` (its ``not_by``
        rule), or None. Labels come from the event model's ``STEP_LABELS``."""
        step = self.step(name)
        done = self.steps_done_by(subject, actor_user_id(actor), step.not_by)
        if not done:
            return None
        first = sorted(done)[0]
        return str(getattr(self.event_model, "STEP_LABELS", {}).get(first, first))

    def ensure_separation(self, subject, name: str, actor) -> None:
        """Refuse step ``name`` to an actor who took one of its ``not_by`` steps on this subject:
        ``PermissionDenied`` ("职责分离：您已办理本案的「受理」，不能再办理「街道审核」…"; API 403)."""
        from django.core.exceptions import PermissionDenied

        conflict = self.separation_conflict(subject, name, actor)
        if conflict is not None:
            step = self.step(name)
            raise PermissionDenied(
                f"职责分离：您已办理本案的「{conflict}」，不能再办理「{step.label}」，请由其他人员办理 / "
                f"separation of duties: who did {conflict} may not take {step.name}"
            )

    def ensure(self, subject, name: str) -> Step:
        """Refuse a step the subject's current status does not allow (code ``illegal_transition``)."""
        step = self.step(name)
        status = self.status_of(subject)
        if status not in step.sources:
            possible = "、".join(s.label for s in self.steps if status in s.sources) or "无"
            raise ValidationError(
                {
                    "status": [
                        f"当前状态为「{self.label(status)}」，不能办理「{step.label}」（可办理：{possible}） / "
                        f"cannot go from {status} to {step.target} ({step.name})"
                    ]
                },
                code="illegal_transition",
            )
        return step

    # --- inside the service's transaction -----------------------------------------------------------
    def lock(self, subject) -> None:
        """Lock the subject's row until the transaction ends and reload it (other steps wait)."""
        subject.refresh_from_db(from_queryset=type(subject)._default_manager.select_for_update())

    def begin(self, subject, name: str) -> Step:
        """Lock and reload ``subject``, then re-check ``name`` against the status it has now.

        Raises ``StepConflict`` when the step is no longer allowed because another member got there
        first: the status moved since the caller read it, or this very step is already in the
        subject's history for the current round (a second press after the first one finished).
        Raises ``ValidationError`` (``illegal_transition``) when the step was simply not allowed.
        """
        step = self.step(name)
        seen = self.status_of(subject)
        self.lock(subject)
        now_status = self.status_of(subject)
        if now_status not in step.sources and (
            (seen != now_status and seen in step.sources) or self.done_this_round(subject, step)
        ):
            raise StepConflict(
                f"{CONFLICT_MESSAGE}：当前状态为「{self.label(now_status)}」，请刷新后查看 / "
                f"already handled by someone else (now {now_status})",
                status=now_status,
                status_label=self.label(now_status),
            )
        return self.ensure(subject, name)

    def done_this_round(self, subject, step: Step) -> bool:
        """Whether ``step`` is already in the subject's history for its current round."""
        return self.event_model.objects.filter(
            **{self.event_fk: subject}, step=step.event, round=getattr(subject, "round", 1)
        ).exists()

    def event(self, subject, step: str, *, actor, at: dt.datetime, note: str = "", round: int | None = None):
        """Write one row of the subject's history (the audit trail holds the full before/after)."""
        return self.event_model.objects.create(
            **{self.event_fk: subject},
            step=step,
            round=round if round is not None else getattr(subject, "round", 1),
            at=at,
            actor_id=actor_user_id(actor),
            actor_name=actor_name(actor),
            note=note,
        )

    def number(self, subject, *, at: dt.datetime) -> str:
        """Give the subject its number ``<PREFIX><local date YYYYMMDD>-<pk:05d>`` (unique with the pk)."""
        subject.number = f"{self.number_prefix}{timezone.localtime(at):%Y%m%d}-{subject.pk:05d}"
        subject.save(update_fields=["number"])
        return subject.number

    def assign(
        self,
        subject,
        *,
        actor,
        user_id: int,
        payload: Mapping[str, object] | None = None,
        field_name: str = "assignee_user_id",
        now: dt.datetime | None = None,
    ):
        """Give ``subject`` to ``user_id`` (an active member of this street office): its open clocks
        follow, an "assigned" step and an audit row are written, and the domain event
        ``<audit_prefix>.assigned`` is published (core.events) with the payload
        ``{"number", "assignee_user_id", "round", "url"}`` plus ``payload`` (the domain's own keys);
        its consumers (notifications) tell the new holder after the commit.

        Raises ``ValidationError`` under ``field_name`` when the person is not a member here.
        """
        from core.audit.services import audit_record, model_snapshot
        from core.deadlines.services import clock_reassign
        from core.events.services import publish
        from tenants.models import Membership
        from tenants.selectors import current_street_office

        now = now or timezone.now()
        membership = (
            Membership.objects.filter(street_office=current_street_office(), user_id=user_id, is_active=True)
            .select_related("user")
            .first()
        )
        if membership is None:
            raise ValidationError({field_name: ["承办人不是本街道人员 / not a member of this street office"]})
        self.lock(subject)
        before = model_snapshot(subject)
        setattr(subject, self.assignee_field, user_id)
        setattr(subject, self.assignee_name_field, membership.user.display_name())
        subject.save()
        clock_reassign(subject=subject, user_id=user_id, actor=actor)
        self.event(subject, "assigned", actor=actor, at=now, note=getattr(subject, self.assignee_name_field))
        audit_record(
            actor=actor,
            action=f"{self.audit_prefix}.assign",
            obj=subject,
            before=before,
            after=model_snapshot(subject),
        )
        publish(
            f"{self.audit_prefix}.assigned",
            subject,
            {
                "number": getattr(subject, "number", ""),
                "assignee_user_id": user_id,
                "round": getattr(subject, "round", 1),
                "url": self.url(subject),
            }
            | dict(payload or {}),
            actor=actor,
            at=now,
        )
        return subject
