"""District-site pages: the district home and opening a street office."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from core.ui.decorators import member_required
from tenants.forms import StreetOfficeForm
from tenants.handoff import handoff_redeem, handoff_token, handoff_url, target_office
from tenants.members import member_for, memberships_of
from tenants.models import PUBLIC_SCHEMA
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
        return render(request, "tenants/my_places.html", {"places": places})
    if not member.can("district.view"):
        raise PermissionDenied
    offices = [{"office": o, "url": reverse("site_go", args=[o.slug])} for o in street_offices_of(district=member.district)]
    return render(request, "tenants/district_home.html", {"offices": offices, "district": member.district})


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
    return render(request, "tenants/street_office_new.html", {"form": form})


@login_required
def site_go(request, target: str):
    """Leave for another site of the district, signed in (tenants/handoff.py)."""
    office = target_office(target)
    if office is None:
        raise Http404
    if office.schema_name != PUBLIC_SCHEMA and member_for(request.user, office) is None:
        raise Http404
    token = handoff_token(user=request.user, target=target)
    return redirect(handoff_url(request=request, office=office, token=token))


def site_handoff(request):
    token = request.GET.get("t", "")
    next_path = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_path, allowed_hosts={request.get_host()}):
        next_path = "/"
    if handoff_redeem(request=request, token=token) is None:
        messages.error(request, "登录链接已失效，请重新登录。")
        return redirect(f"{reverse('login')}?next={next_path}")
    return redirect(next_path)

@member_required("district.view")
def id_duplicates(request):
    """The same resident ID registered by two street offices of the district (keyed hash only)."""
    from core.registry.selectors import district_duplicates

    groups = district_duplicates(district_id=request.member.district.pk)
    _describe_claims(groups)
    return render(request, "tenants/id_duplicates.html", {"groups": groups, "district": request.member.district})


def mask_name(name: str) -> str:
    """张桂兰 -> 张*兰, 王芳 -> 王*: enough for the streets concerned to find the record, no more."""
    if len(name) <= 1:
        return name
    return name[0] + "*" * max(1, len(name) - 2) + (name[-1] if len(name) > 2 else "")


def _describe_claims(groups: list[dict]) -> None:
    """Give each claim what the district may see of the street's record (issue 12 §11): the masked
    name, community and grid, the date registered — read in each street's schema, one query each."""
    from django_tenants.utils import schema_context

    from core.registry.models import Person
    from tenants.models import StreetOffice

    by_office: dict[int, list[dict]] = {}
    for group in groups:
        for claim in group["claims"]:
            by_office.setdefault(claim["street_office_id"], []).append(claim)
    for office in StreetOffice.objects.filter(pk__in=by_office):
        claims = by_office[office.pk]
        with schema_context(office.schema_name):
            rows = {
                p["pk"]: p
                for p in Person.objects.filter(pk__in=[c["person_id"] for c in claims]).values(
                    "pk", "name", "created_at", "household__community__name", "household__grid__name"
                )
            }
        for claim in claims:
            row = rows.get(claim["person_id"])
            claim["person"] = row and {
                "name": mask_name(row["name"]),
                "place": f"{row['household__community__name']} · {row['household__grid__name']}",
                "registered": row["created_at"],
            }
