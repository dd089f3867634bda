from __future__ import annotations

from django.shortcuts import render

from core.ui.decorators import member_required


@member_required("street.view")
def street_home(request):
    return render(request, "ui/street_home.html", {"member": request.member, "office": request.tenant})
