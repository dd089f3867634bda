"""Contributions instead of reaching across (issue 7, ADR 0046): a page of one domain shows panels
that other domains register, so a new domain adds its panel without editing the page's domain.

A page names its slots (``"household"``, ``"household.card"``, ...). A domain registers, in its
``AppConfig.ready()`` (usually by importing its ``panels.py``)::

    register_panel("household", key="relief", order=40, template="relief/_household_panel.html",
                   context=household_panel)

``context(member=, subject=)`` returns the template's variables, or ``None`` when the member may
not see the panel (their role lacks the domain's view action): nothing is rendered then. The page
calls ``collect(slot, member=, subject=)`` and renders the result with ``{% panels shown %}``
(``core/ui/templatetags/panels.py``). Panels are rendered in ``order``, then ``key``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Panel:
    slot: str
    key: str
    template: str
    context: Callable[..., dict | None]
    order: int = 100


@dataclass(frozen=True)
class Shown:
    panel: Panel
    context: dict = field(default_factory=dict)


_SLOTS: dict[str, dict[str, Panel]] = {}


def register_panel(
    slot: str, *, key: str, template: str, context: Callable[..., dict | None], order: int = 100
) -> None:
    """Add (or replace, by ``key``) a panel of ``slot``. Call it from the domain's ``ready()``."""
    _SLOTS.setdefault(slot, {})[key] = Panel(slot=slot, key=key, template=template, context=context, order=order)


def panels(slot: str) -> list[Panel]:
    """The registered panels of ``slot`` in display order."""
    return sorted(_SLOTS.get(slot, {}).values(), key=lambda p: (p.order, p.key))


def collect(slot: str, *, member: Any, subject: Any) -> list[Shown]:
    """The panels of ``slot`` this member may see, each with its template variables."""
    shown = []
    for panel in panels(slot):
        variables = panel.context(member=member, subject=subject)
        if variables is not None:
            shown.append(Shown(panel=panel, context=variables))
    return shown
