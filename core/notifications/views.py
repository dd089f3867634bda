from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.notifications.models import Notification
from core.notifications.services import notification_mark_read
from core.ui.decorators import member_required


@member_required("notification.view")
def inbox(request):
    items = list(Notification.objects.filter(user=request.user).select_related("street_office")[:200])
    current = getattr(request.tenant, "pk", None)
    return render(request, "notifications/inbox.html", {"items": items, "current_office_id": current})


@member_required("notification.read")
@require_POST
def inbox_mark_read(request):
    notification_mark_read(user=request.user)
    return redirect("notifications")
