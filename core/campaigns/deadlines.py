"""The campaign's clocks and its minute work, registered with the clock engine at start-up.

Phase deliverables are clocks on ``DeliverableCheck`` rows; the checks of every street office are
ensured by the campaign itself (``deliverable_checks_ensure``), which the minute scanner runs in each
street, isolated, before it scans the clocks (``street_work_register``)."""

from core.deadlines.subjects import clock_subject_register, street_work_register


def _ensure_deliverables(*, office, now) -> None:
    from core.campaigns.services import deliverable_checks_ensure

    if office.district_id:
        deliverable_checks_ensure(office=office, now=now)


clock_subject_register(
    "campaigns.deliverablecheck",
    label="阶段任务",
    url=lambda subject_id: "/campaign/",
    kinds={"deliverable": "阶段任务"},
)
street_work_register("campaign", _ensure_deliverables)
