from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.ui.decorators import member_required
from home.dashboard import street_dashboard


@require_safe
@member_required("street.view")
def street_home(request):
    return render(
        request,
        "home/street_home.html",
        {"member": request.member, "office": request.tenant, "cards": street_dashboard(request.member)},
    )
