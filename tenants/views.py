"""Moving between the district's sites signed in (the one-time sign-in link of tenants/handoff.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from tenants.handoff import handoff_redeem, handoff_token, handoff_url, target_office
from tenants.members import member_for
from tenants.models import PUBLIC_SCHEMA


@login_required
def site_go(request, target: str):
    """Leave for another site of the district, signed in (tenants/handoff.py)."""
    office = target_office(target)
    if office is None:
        raise Http404
    if office.schema_name != PUBLIC_SCHEMA and member_for(request.user, office) is None:
        raise Http404
    token = handoff_token(user=request.user, target=target)
    next_path = request.GET.get("next", "/")
    if not next_path.startswith("/") or next_path.startswith("//"):
        next_path = "/"  # a path on the target site only (the handoff checks it again)
    return redirect(handoff_url(request=request, office=office, token=token, next_path=next_path))


def site_handoff(request):
    token = request.GET.get("t", "")
    next_path = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_path, allowed_hosts={request.get_host()}):
        next_path = "/"
    if handoff_redeem(request=request, token=token) is None:
        messages.error(request, "登录链接已失效，请重新登录。")
        return redirect(f"{reverse('login')}?next={next_path}")
    return redirect(next_path)
