"""The gate of every web page: signed in, a member here, allowed the page's action."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tenants.roles import ACTIONS, DISTRICT_DRILL_DOWN, DISTRICT_STREET_WRITES


def member_required(action: str) -> Callable:
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            member = getattr(request, "member", None)
            if member is None:
                raise Http404("不是本单位成员 / not a member here")
            if not member.can(action):
                if member.read_only and action in DISTRICT_DRILL_DOWN and request.method in ("GET", "HEAD"):
                    # A district member: state a reason first (break-the-glass, tenants.access).
                    from urllib.parse import urlencode

                    from django.shortcuts import redirect

                    return redirect(f"/district-access/?{urlencode({'next': request.get_full_path()})}")
                raise PermissionDenied("当前角色无权访问此页面 / your role may not open this page")
            if (
                member.read_only
                and request.method not in ("GET", "HEAD", "OPTIONS")
                and action not in DISTRICT_STREET_WRITES
            ):
                raise PermissionDenied("区级账号在街道只读 / district accounts are read-only in a street")
            if member.uses_drill_down(action):
                from tenants.access import street_access_looked

                street_access_looked(member=member, what=request.get_full_path())
            return view(request, *args, **kwargs)

        wrapped.required_action = action  # read by the isolation tests
        return wrapped

    return decorator
