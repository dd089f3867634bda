"""The inspections domain's contributions to other domains' pages (core.ui.panels): the household's
coverage line, its needs, its problems and its visits."""

from __future__ import annotations

from django.utils import timezone

from core.inspections.selectors import coverage_period, households_with_coverage
from core.ui.panels import register_panel


def household_coverage(*, member, subject) -> dict:
    """This round's coverage of the household (ADR 0016)."""
    period = coverage_period(member.district)
    row = (
        households_with_coverage(member=member, period=period)
        .filter(pk=subject.pk)
        .values("covered", "on_time", "added_late", "first_covered_at")
        .first()
    )
    return {"coverage_row": row, "period": period, "coverage_state": period.state(timezone.now())}


def household_needs(*, member, subject) -> dict | None:
    if not member.can("need.view"):
        return None
    return {"needs": list(subject.needs.select_related("person")[:50])}


def household_problems(*, member, subject) -> dict | None:
    if not member.can("problem.view"):
        return None
    return {
        "problems": list(subject.problems.select_related("rectification")[:50]),
        "can_see_rectification": member.can("rectification.view"),
    }


def household_visits(*, member, subject) -> dict:
    return {"visits": subject.visits.all()[:20]}


def register() -> None:
    register_panel(
        "household.card", key="coverage", template="inspections/_household_coverage.html", context=household_coverage
    )
    register_panel(
        "household", key="needs", order=20, template="inspections/_household_needs.html", context=household_needs
    )
    register_panel(
        "household", key="problems", order=30, template="inspections/_household_problems.html",
        context=household_problems,
    )
    register_panel(
        "household", key="visits", order=90, template="inspections/_household_visits.html", context=household_visits
    )
