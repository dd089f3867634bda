from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.notifications.models import Notification
from core.notifications.services import notification_mark_read
from core.ui.decorators import member_required


@member_required("notification.view")
def inbox(request):
    from tenants.selectors import street_office_url

    items = list(
        Notification.objects.filter(user=request.user)
        .select_related("street_office")
        .prefetch_related("street_office__domains")[:200]
    )
    current = getattr(request.tenant, "pk", None)
    for item in items:
        # A notification from another place links to that street office's own site.
        if item.kind == "district_digest":  # about the district's own overdue list (district site)
            item.link = item.url if current is None or getattr(request.tenant, "schema_name", "") == "public" else ""
        elif item.url and item.street_office_id and item.street_office_id != current:
            item.link = street_office_url(item.street_office, request).rstrip("/") + item.url
        else:
            item.link = item.url
    return render(request, "notifications/inbox.html", {"items": items})


@member_required("notification.read")
@require_POST
def inbox_mark_read(request):
    notification_mark_read(user=request.user)
    return redirect("notifications")
