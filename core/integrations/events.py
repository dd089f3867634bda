"""The events a webhook may subscribe to (names and labels); where they come from is wired below."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

EVENT_TYPES: dict[str, object] = {
    "request.created": _("新诉求登记"),
    "request.overdue": _("诉求超时"),
    "request.closed": _("诉求办结"),
    "rectification.relapsed": _("整改回头看发现反弹"),
    "report.submitted": _("报表已报送"),
    "case.approved": _("救助审批通过"),
}
EVENT_CHOICES = list(EVENT_TYPES.items())
