"""The rectification domain's contributions to other domains' pages (core.ui.panels): on the request
page, the rectifications made from it and the button that makes one (its one path, ADR 0046)."""

from __future__ import annotations

from core.rectification.models import Rectification, RectificationSource
from core.ui.panels import register_panel


def request_rectifications(*, member, subject) -> dict | None:
    can_view, can_rectify = member.can("rectification.view"), member.can("rectification.edit")
    if not (can_view or can_rectify):
        return None
    rows = Rectification.objects.filter(source_type=RectificationSource.REQUEST, source_id=subject.pk)
    return {"subject": subject, "rectifications": list(rows) if can_view else [], "can_rectify": can_rectify}


def register() -> None:
    register_panel(
        "request", key="rectification", order=10, template="rectification/_request_panel.html",
        context=request_rectifications,
    )
