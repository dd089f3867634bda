from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.ui.dashboard import street_dashboard
from core.ui.decorators import member_required


@require_safe
@member_required("street.view")
def street_home(request):
    return render(
        request,
        "ui/street_home.html",
        {"member": request.member, "office": request.tenant, "cards": street_dashboard(request.member)},
    )
