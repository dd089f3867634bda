"""登录锁定: accounts locked by the login protection, visible and liftable.

Street leader and staff (``member.manage``) see and lift the lockouts of their street office's
members; the district admin (``district.manage_members``) those of every account of the district.
The protection itself is ``nuandong.login_guard``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from nuandong.login_guard import lockouts_for, login_lockout_lift
from tenants.models import Membership


def _usernames_in_reach(member) -> list[str]:
    if member.is_district:
        if not member.can("district.manage_members"):
            raise PermissionDenied("当前角色无权访问此页面 / your role may not open this page")
        district = member.district
        memberships = Membership.objects.filter(Q(district=district) | Q(street_office__district=district))
    else:
        if not member.can("member.manage"):
            raise PermissionDenied("当前角色无权访问此页面 / your role may not open this page")
        memberships = Membership.objects.filter(street_office=member.street_office)
    return sorted(set(memberships.values_list("user__username", flat=True)))


@require_http_methods(["GET", "HEAD", "POST"])
def login_lockouts(request):
    """GET: the locked accounts in reach; POST ``username``: lift that account's lockout (audited)."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    member = getattr(request, "member", None)
    if member is None:
        raise Http404("不是本单位成员 / not a member here")
    if member.read_only and request.method == "POST":
        raise PermissionDenied("区级账号在街道只读 / district accounts are read-only in a street")
    usernames = _usernames_in_reach(member)
    if request.method == "POST":
        username = request.POST.get("username", "")
        if username not in usernames:
            raise Http404("账号不在管辖范围内 / account not in your reach")
        login_lockout_lift(actor=member, username=username)
        messages.success(request, f"已解除 {username} 的登录锁定")
        return redirect("login_lockouts")
    return render(request, "tenants/lockouts.html", {"lockouts": lockouts_for(usernames)})


login_lockouts.required_action = "member.manage"  # read by the isolation tests (district: manage_members)
