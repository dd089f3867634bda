"""API key scopes: a closed, named set, each a set of actions of the one permission matrix.

A request made with an API key may do an action only when (1) the key's creator's role allows it
here (``tenants.roles``, through ``Member.can``) and (2) one of the key's scopes lists it. So a key
never does more than its scopes and its creator's role allow. Managing keys and webhooks
(``integration.manage``) is in no scope: a key cannot make keys.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Actions every key may use whatever its scopes (reading who it is, its own notifications).
BASE_ACTIONS = frozenset({"street.view", "notification.view"})

SCOPES: dict[str, tuple[object, frozenset[str]]] = {
    "requests:read": (_("读取诉求"), frozenset({"request.view", "deadline.view"})),
    "requests:write": (
        _("登记与办理诉求"),
        frozenset({"request.view", "request.create", "request.respond", "request.handle", "request.feedback",
                   "request.close", "deadline.view"}),
    ),
    "households:read": (_("读取户籍与走访"), frozenset({"household.view", "org.view", "visit.view", "coverage.view"})),
    "relief:read": (_("读取救助"), frozenset({"relief.view", "material.view", "patrol.view", "holiday.view"})),
    "reports:read": (_("读取报表"), frozenset({"report.view"})),
    "district:read": (
        _("读取区级总览"),
        frozenset({"district.view", "campaign.view", "coverage.view", "deadline.view", "report.view"}),
    ),
}
SCOPE_CHOICES = [(name, label) for name, (label, _actions) in SCOPES.items()]


def actions_of(scopes: list[str] | tuple[str, ...]) -> frozenset[str]:
    """The actions a key with these scopes may use (unknown scope names grant nothing)."""
    allowed = set(BASE_ACTIONS)
    for name in scopes:
        allowed |= SCOPES.get(name, (None, frozenset()))[1]
    return frozenset(allowed)


def scope_for(action: str) -> list[str]:
    """The scopes that grant ``action`` (for error messages)."""
    return [name for name, (_label, actions) in SCOPES.items() if action in actions]
