"""Clocks of needs and problems, registered with the clock engine at start-up (core.deadlines.subjects)."""

from core.deadlines.subjects import clock_subject_register

clock_subject_register(
    "inspections.need",
    label="需求",
    url=lambda subject_id: f"/needs/#need-{subject_id}",
    kinds={"need": "需求办结"},
)
clock_subject_register(
    "inspections.problem",
    label="问题",
    url=lambda subject_id: "/deadlines/",
    kinds={"problem": "问题整改"},
)
