"""The request's workflow (core.workflow): received → responded → handled → feedback given → closed,
reopened from feedback or closed back to responded (handled again, next round)."""

from __future__ import annotations

from core.requests.models import CitizenRequest, RequestEvent, RequestStatus
from core.workflow import Step, Workflow

S = RequestStatus

REQUEST_WORKFLOW = Workflow(
    model=CitizenRequest,
    status_labels=dict(S.choices),
    steps=[
        Step("respond", "响应", {S.RECEIVED}, S.RESPONDED, "request.respond", event="responded"),
        Step("handle", "处置", {S.RESPONDED}, S.HANDLED, "request.handle", event="handled"),
        Step("feedback", "反馈", {S.HANDLED}, S.FEEDBACK_GIVEN, "request.feedback", event="feedback_given"),
        Step("close", "办结", {S.FEEDBACK_GIVEN}, S.CLOSED, "request.close", event="closed"),
        Step("reopen", "重新办理", {S.FEEDBACK_GIVEN, S.CLOSED}, S.RESPONDED, "request.handle", event="reopened"),
    ],
    event_model=RequestEvent,
    event_fk="request",
    audit_prefix="request",
    number_prefix="SQ",
    url=lambda request: f"/requests/{request.pk}/",
)
REQUEST_TRANSITIONS = REQUEST_WORKFLOW.transitions
