from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.notifications.models import Notification
from core.notifications.services import notification_mark_read
from core.ui.decorators import member_required


@member_required("notification.view")
def inbox(request):
    from django.core.paginator import Paginator
    from django.db.models import F

    from tenants.selectors import street_office_url

    mine = Notification.objects.filter(user=request.user)
    unread = mine.filter(read_at__isnull=True).count()
    # Unread first, newest first; a unique tie-breaker so pages never overlap.
    ordered = (
        mine.select_related("street_office")
        .prefetch_related("street_office__domains")
        .order_by(F("read_at").desc(nulls_first=True), "-created_at", "-id")
    )
    page = Paginator(ordered, 30).get_page(request.GET.get("page"))
    items = page.object_list
    current = getattr(request.tenant, "pk", None)
    for item in items:
        # A notification from another place links to that street office's own site.
        if item.kind == "district_digest":  # about the district's own overdue list (district site)
            item.link = item.url if current is None or getattr(request.tenant, "schema_name", "") == "public" else ""
        elif item.url and item.street_office_id and item.street_office_id != current:
            item.link = street_office_url(item.street_office, request).rstrip("/") + item.url
        else:
            item.link = item.url
    return render(request, "notifications/inbox.html", {"items": items, "page": page, "unread": unread})


@member_required("notification.read")
@require_POST
def inbox_mark_read(request):
    notification_mark_read(user=request.user)
    return redirect("notifications")
