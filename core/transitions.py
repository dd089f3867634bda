"""Allowed status changes are tables; ``ensure_transition`` is how services enforce them."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError


def ensure_transition(
    table: Mapping[str, set[str]], current: str, target: str, labels: Mapping[str, str]
) -> None:
    if target not in table.get(current, set()):
        allowed = "、".join(str(labels.get(s, s)) for s in sorted(table.get(current, set()))) or "无"
        raise ValidationError(
            {
                "status": [
                    f"当前状态为「{labels.get(current, current)}」，不能办理「{labels.get(target, target)}」"
                    f"（可办理：{allowed}） / cannot go from {current} to {target}"
                ]
            },
            code="illegal_transition",
        )
