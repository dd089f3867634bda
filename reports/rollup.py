"""The reports' share of the district rollup (core.rollup.metrics): reports handed up on time, late,
or missing (still a draft after their deadline). Registered from ``ReportsConfig.ready``.

A community's report counts for its community, the street's own report for the street as a whole.
Deadlines: a community report's ``report_submit`` clock; a street report's phase task (ADR 0006).
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q

METRICS = (
    ("reports_on_time", "报表按时报送", "份"),
    ("reports_late", "报表迟报", "份"),
    ("reports_missing", "报表逾期未报", "份"),
)


def reports_handed_up(w):
    from core.campaigns.models import DeliverableCheck
    from core.deadlines.selectors import clock_due_passed
    from reports.models import Submission

    past_due = clock_due_passed(subject_type=Submission._meta.label_lower, kind="report_submit", now=w.now) | Exists(DeliverableCheck.objects.filter(pk=OuterRef("check_id"), due_at__lte=w.now))
    draft = Q(status=Submission.Status.DRAFT)
    rows = (Submission.objects.annotate(past_due=past_due).values("community_id")
            .annotate(on_time_n=Count("id", filter=~draft & Q(on_time=True)),
                      late_n=Count("id", filter=~draft & Q(on_time=False)),
                      missing_n=Count("id", filter=draft & Q(past_due=True)))
            .order_by("community_id"))
    for row in rows:
        yield row["community_id"], "reports_on_time", row["on_time_n"]
        yield row["community_id"], "reports_late", row["late_n"]
        yield row["community_id"], "reports_missing", row["missing_n"]


def register() -> None:
    from core.rollup.metrics import register_provider

    register_provider(reports_handed_up, metrics=METRICS)
