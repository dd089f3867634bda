"""The rectification's clocks, registered with the clock engine at start-up (core.deadlines.subjects)."""

from core.deadlines.subjects import clock_subject_register

clock_subject_register(
    "rectification.rectification",
    label="整改",
    url=lambda subject_id: f"/rectifications/{subject_id}/",
    kinds={"rectify": "整改", "lookback": "回头看"},
)
