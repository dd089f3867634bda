"""Break-the-glass pages inside a street office (ADR 0056), routed on the street site:

- ``/district-access/?next=<path>`` — a district member states a reason once for this street office;
  person-level lists then open read-only for 30 minutes (``tenants.access``). The street's pages send
  a district member here when they need the reason (``core.ui.decorators.member_required``).
- ``/district-access/log/`` — street staff see who from the district opened what and why (the
  street's own audit trail, ``audit.view``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from core.audit.models import AuditEvent
from core.ui.decorators import member_required
from tenants.access import GRANT_MINUTES, LOOKED, OPENED, street_access_open


def _safe_next(request) -> str:
    next_path = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_path, allowed_hosts={request.get_host()}) or not next_path.startswith("/"):
        return "/"
    return next_path


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def district_access(request):
    member = getattr(request, "member", None)
    if member is None or not member.read_only or not member.can("district.drill_down"):
        raise PermissionDenied("仅区级账号需要说明查阅理由 / only district accounts state a reason here")
    next_path = _safe_next(request)
    error = ""
    if request.method == "POST":
        try:
            street_access_open(member=member, office=request.tenant, reason=request.POST.get("reason", ""))
        except ValidationError as exc:
            error = " ".join(exc.message_dict.get("reason", exc.messages))
        else:
            return redirect(next_path)
    grant = member.extra.get("access_grant")
    return render(request, "district/access.html", status=400 if error else 200, context={
        "office": request.tenant, "next": next_path, "error": error, "minutes": GRANT_MINUTES,
        "grant": grant if member.drill_down_open else None, "reason": request.POST.get("reason", ""),
    })


@member_required("audit.view")
def district_access_log(request):
    events = (AuditEvent.objects.filter(action__in=[OPENED, LOOKED]).order_by("-at", "-id")
              .values("at", "actor_name", "actor_role", "action", "reason", "after")[:300])
    rows = [{**e, "what": (e["after"] or {}).get("what", ""), "opened": e["action"] == OPENED} for e in events]
    return render(request, "district/access_log.html", {"rows": rows, "office": request.tenant, "now": timezone.now()})
