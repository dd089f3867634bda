"""Web forms submitted once: the form token every POST form carries, checked around the view.

Every ``{% csrf_token %}`` on a page rendered for a signed-in user also writes a fresh one-time
token (hidden field ``_once``; ``core/ui/templatetags/once_csrf.py``). ``FormOnceMiddleware`` runs
the view of a POST that carries a token inside one transaction that first claims the token
(``core.once.services.once_claim``); the services the view calls join that transaction. When the
view answers with a redirect (the usual "saved, see the record" answer) the redirect target is
stored with the token; any other answer (the form shown again with its errors) releases the token.

A second press of the same form — even truly simultaneous — waits for the first to commit and is
sent to the first result with the message "此表单已提交过，以下是第一次提交的结果". The script
``ui/once.js`` additionally disables the submit buttons of a form while it is being sent.
"""

from __future__ import annotations

import re
import secrets

from django.contrib import messages
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpResponseRedirect

from core.once.models import OnceKey
from core.once.services import once_claim, once_release, once_scope, once_store
from core.ui.errors import error_text, zh

FIELD = "_once"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_REDIRECTS = (301, 302, 303)
ALREADY_SUBMITTED = "此表单已提交过，以下是第一次提交的结果 / this form was already submitted; showing its result"


def new_form_token() -> str:
    return secrets.token_urlsafe(18)


class FormOnceMiddleware:
    """Must be the last middleware with a ``process_view`` (it calls the view itself)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.path.startswith("/api/"):
            return None  # the API has Idempotency-Key (api/idempotency.py)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        token = request.POST.get(FIELD, "")
        if not _TOKEN.fullmatch(token):
            return None
        try:
            return self._run_once(request, token, view_func, view_args, view_kwargs)
        except IntegrityError as exc:
            response = self.process_exception(request, exc)
            if response is None:
                raise
            return response

    def process_exception(self, request, exc):
        """A unique violation no service turned into its message: say so on the page, never a 500."""
        from core.once.unique import violation_error

        error = violation_error(exc) if isinstance(exc, IntegrityError) else None
        if error is None or request.path.startswith("/api/"):
            return None
        messages.error(request, error_text(error))
        return HttpResponseRedirect(request.get_full_path())

    def _run_once(self, request, token, view_func, view_args, view_kwargs):
        user = request.user
        with transaction.atomic():
            claim = once_claim(kind=OnceKey.Kind.FORM, user_id=user.pk, key=token,
                               scope=once_scope(getattr(request, "member", None)))
            if not claim.fresh:
                messages.info(request, zh(ALREADY_SUBMITTED))
                return HttpResponseRedirect(claim.record.location or request.get_full_path())
            response = view_func(request, *view_args, **view_kwargs)
            if response.status_code in _REDIRECTS and response.get("Location"):
                once_store(claim=claim, status_code=response.status_code, location=response["Location"])
            else:
                try:
                    once_release(claim=claim)
                except DatabaseError:  # the view left the transaction broken: nothing of it may stay
                    transaction.set_rollback(True)
        return response
