"""Request id, tenant routing and the membership gate."""

from __future__ import annotations

import re

from django.http import Http404
from django_tenants.middleware.main import TenantMainMiddleware

from core.audit.context import reset_request_id, set_request_id
from tenants.members import member_for
from tenants.models import PUBLIC_SCHEMA

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (or keep a sane X-Request-ID) that audit events carry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        token = set_request_id(incoming if _SAFE_REQUEST_ID.match(incoming) else None)
        try:
            from core.audit.context import current_request_id

            request.request_id = current_request_id()
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            return response
        finally:
            reset_request_id(token)


class TenantMiddleware(TenantMainMiddleware):
    """django-tenants domain routing; an unknown host is a plain 404 (in Chinese)."""

    def no_tenant_found(self, request, hostname):
        raise Http404(f"没有找到此站点 / no site for {hostname}")


# Paths a signed-in non-member may still reach on a street domain (to sign in as someone else,
# to sign out, to check health). Everything else answers 404 to a non-member.
OPEN_PATH_PREFIXES = ("/accounts/", "/healthz", "/static/", "/hotline/", "/i18n/")


class MembershipMiddleware:
    """Attach ``request.member``; answer 404 to a signed-in user who is not a member here.

    Anonymous users pass through: pages send them to the login page, the API answers 401.
    API requests authenticated by token are checked again by the API base class, because the
    token is only read there.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        request.member = member_for(request.user, tenant)
        is_street = tenant is not None and tenant.schema_name != PUBLIC_SCHEMA
        if (
            is_street
            and request.user.is_authenticated
            and request.member is None
            and not request.path.startswith(OPEN_PATH_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                raise Http404("不是本街道成员 / not a member of this street office")
            from core.ui.places import not_a_member_page

            return not_a_member_page(request)  # still a 404, but it says where the user works
        return self.get_response(request)


class LanguageMiddleware:
    """Chinese unless the user chose otherwise with the language switch (cookie).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: the grid worker's
    phone may be set to English, the street office still works in Chinese.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", code)
        return response
