"""The relief domain's contributions to other domains' pages (core.ui.panels)."""

from __future__ import annotations

from core.relief.selectors import household_relief
from core.ui.panels import register_panel


def household_panel(*, member, subject) -> dict | None:
    """The household's relief cases, payments, hand-outs and holiday visits (each for roles that may
    read them), with the buttons to accept a case or hand out material."""
    context = household_relief(member=member, household=subject)
    if context.get("relief_cases") is None and context.get("relief_handouts") is None:
        return None
    return context | {
        "can_relief": member.can("relief.edit") and subject.is_active,
        "can_hand_out": member.can("material.edit") and subject.is_active,
    }


def register() -> None:
    register_panel("household", key="relief", order=40, template="relief/_household_panel.html", context=household_panel)
