"""The rectification's workflow (core.workflow): open → fixed → verified → confirmed; a failed
verification or a relapse at the look-back sends it back to open (next round)."""

from __future__ import annotations

from core.rectification.models import Rectification, RectificationEvent, RectificationStatus
from core.workflow import Step, Workflow

R = RectificationStatus

RECTIFICATION_WORKFLOW = Workflow(
    model=Rectification,
    status_labels=dict(R.choices),
    steps=[
        Step("fix", "整改完成", {R.OPEN}, R.FIXED, "rectification.edit", event="fixed"),
        Step("verify_pass", "验收通过", {R.FIXED}, R.VERIFIED, "rectification.verify", event="verified"),
        Step("verify_fail", "验收不通过", {R.FIXED}, R.OPEN, "rectification.verify", event="rejected"),
        Step("lookback_pass", "回头看通过", {R.VERIFIED}, R.CONFIRMED, "rectification.verify", event="confirmed"),
        Step("lookback_fail", "回头看发现反弹", {R.VERIFIED}, R.OPEN, "rectification.verify", event="relapsed"),
    ],
    event_model=RectificationEvent,
    event_fk="rectification",
    audit_prefix="rectification",
    number_prefix="ZG",
    assignee_field="responsible_user_id",
    assignee_name_field="responsible_name",
    url=lambda item: f"/rectifications/{item.pk}/",
)
RECTIFICATION_TRANSITIONS = RECTIFICATION_WORKFLOW.transitions
