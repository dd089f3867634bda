"""District-site pages: the district home, opening a street office, duplicate IDs across street offices.

A composer: reads tenancy (tenants) and the registry's district-wide duplicate check; owns no tables.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from core.registry.selectors import district_duplicates
from core.ui.decorators import member_required
from district.forms import StreetOfficeForm
from tenants.members import memberships_of
from tenants.selectors import street_offices_of
from tenants.services import street_office_create


@login_required
def district_home(request):
    member = request.member
    if member is None:
        # Street-level users signed in on the district site: show where they work.
        places = [
            {"membership": m, "url": reverse("site_go", args=[m.street_office.slug])}
            for m in memberships_of(request.user)
            if m.street_office_id
        ]
        return render(request, "district/my_places.html", {"places": places})
    if not member.can("district.view"):
        raise PermissionDenied
    offices = [{"office": o, "url": reverse("site_go", args=[o.slug])} for o in street_offices_of(district=member.district)]
    return render(request, "district/district_home.html", {"offices": offices, "district": member.district})


@member_required("district.manage_streets")
def street_office_new(request):
    form = StreetOfficeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            office = street_office_create(district=request.member.district, actor=request.member, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"已开设 {office.name}")
            return redirect("home")
    return render(request, "district/street_office_new.html", {"form": form})


@member_required("district.view")
def id_duplicates(request):
    """The same resident ID registered by two street offices of the district (keyed hash only)."""
    groups = district_duplicates(district_id=request.member.district.pk)
    return render(request, "district/id_duplicates.html", {"groups": groups, "district": request.member.district})
