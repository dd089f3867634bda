"""The workflow kit: one way for a domain to run a subject (a request, a rectification, a relief case,
a report submission) through its steps.

A domain declares one ``Workflow``: its model, its status labels, its ``Step``s (name, label, the
statuses it may start from, the status it leads to, the role-matrix action it needs), its event
model and its number prefix. Its services then call, inside their own ``@transaction.atomic``:

- ``workflow.begin(subject, "respond")`` — locks the subject's row (``SELECT ... FOR UPDATE``),
  reloads it and re-checks that the step is allowed from the status *now*. If another member moved
  the subject since the caller read it, raises ``StepConflict`` (HTTP 409, code ``conflict``,
  "已被他人处理"); if the step was never allowed, ``ValidationError`` (code ``illegal_transition``).
  Two simultaneous presses: one succeeds, the other gets the conflict, nothing is recorded twice.
- ``workflow.event(subject, step, actor=..., at=..., note=...)`` — one row of the subject's history.
- ``workflow.number(subject, at=...)`` — the subject's number, ``<PREFIX><local date>-<pk:05d>``.
- ``workflow.assign(subject, actor=..., user_id=..., payload={...})`` — give the subject to another
  member of this street office: its open clocks follow (``core.deadlines``), a step and an audit row
  are written, and the domain event ``<audit_prefix>.assigned`` is published (``core.events``), on
  which notifications tell the new person.

Pages and the API ask ``workflow.available(subject, member)`` for the steps a member may take now,
instead of re-deriving them from statuses and roles.

Separation of duties is a step rule: ``Step(not_by={"accepted", "investigated"})`` bars whoever took
those history steps on the subject from this one; ``available`` leaves it out and
``workflow.ensure_separation(subject, step, actor)`` refuses it (``PermissionDenied``, API 403).
"""

from core.workflow.kit import Step, StepConflict, Workflow, actor_name, actor_user_id
from core.workflow.models import StepEvent

__all__ = ["Step", "StepConflict", "StepEvent", "Workflow", "actor_name", "actor_user_id"]
