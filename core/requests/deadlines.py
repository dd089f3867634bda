"""The request's clocks, registered with the clock engine at start-up (core.deadlines.subjects)."""

from core.deadlines.subjects import clock_subject_register

clock_subject_register(
    "requests.citizenrequest",
    label="诉求",
    url=lambda subject_id: f"/requests/{subject_id}/",
    kinds={"respond": "响应", "handle": "处置", "feedback": "反馈"},
    events={"overdue": "request.overdue", "escalated": "request.escalated"},
)
