"""Signing in on the wrong site (issue 12 §8): say where the user is a member and take them there.

A signed-in user who is not a member of the street office in the URL still gets a 404 (isolation
holds), but the page lists the places where they work, each through the signed sign-in link
(``site_go``), instead of a 返回首页 that leads back to the same 404. Signing in on the wrong
street goes straight to the user's only place, or to that list when there are several.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse

from tenants.members import member_for, memberships_of
from tenants.models import PUBLIC_SCHEMA


def places_of(user) -> list[dict]:
    """Where ``user`` works: [{name, role, url}] with a ``site_go`` link for each place."""
    places = []
    for membership in memberships_of(user):
        if membership.street_office_id:
            name, target = membership.street_office.name, membership.street_office.slug
        elif membership.district_id:
            name, target = membership.district.name, "district"
        else:
            continue
        places.append({"name": name, "role": membership.get_role_display(), "url": reverse("site_go", args=[target])})
    return places


def not_a_member_page(request):
    """The 404 a signed-in non-member sees on a street site: where they are a member instead."""
    return render(
        request,
        "ui/not_a_member.html",
        {"here": getattr(request.tenant, "name", ""), "places": places_of(request.user)},
        status=404,
    )


class PlaceAwareLoginView(auth_views.LoginView):
    """Django's login; a user who is not a member of this street office is sent to their only
    place (through the signed sign-in link) or shown the list of their places."""

    redirect_authenticated_user = True

    def get_success_url(self):
        url = super().get_success_url()
        tenant = getattr(self.request, "tenant", None)
        user = self.request.user
        if tenant is None or tenant.schema_name == PUBLIC_SCHEMA or member_for(user, tenant) is not None:
            return url
        places = places_of(user)
        return places[0]["url"] if len(places) == 1 else url
