"""Answers when something underneath fails (issue 10 §9).

- ``HealthzMiddleware`` answers ``/healthz`` before tenant routing, which needs the database:
  with PostgreSQL down the probe still gets its JSON 503 ``{"status": "degraded", ...}``.
- ``server_error`` (``handler500`` of both URL configurations) answers a database outage with 503
  "暂时不可用" in the shape of what was asked (the API's JSON ``{"code", "message", "details"}``
  under ``/api/``, a Chinese page elsewhere); any other error goes to ``request_guard.server_error``.
"""

from __future__ import annotations

import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader

from nuandong.health import healthz

UNAVAILABLE = "系统暂时不可用，请稍后再试；已保存的数据不会丢失 / temporarily unavailable, try again shortly"
SERVER_ERROR = "系统错误，已记录，请稍后再试 / server error (logged), try again shortly"


class HealthzMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)


def _is_outage(exc: BaseException | None) -> bool:
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    # psycopg's connection errors surface as DatabaseError subclasses when raised before wrapping
    return isinstance(exc, DatabaseError) and "connect" in str(exc).lower()


def server_error(request, *args, **kwargs):
    exc = sys.exc_info()[1]
    outage = _is_outage(exc)
    if not outage:  # any other error: the one answer of request_guard (API JSON, Chinese page)
        from nuandong.request_guard import server_error as guarded_server_error

        return guarded_server_error(request)
    status = 503
    if request.path_info.startswith("/api/"):
        code, message = ("unavailable", UNAVAILABLE) if outage else ("server_error", SERVER_ERROR)
        response = JsonResponse({"code": code, "message": message, "details": {}}, status=status)
    else:
        try:
            body = loader.render_to_string("500.html", {"outage": outage})
        except Exception:  # noqa: BLE001 - the error page itself must not fail
            body = f"<!doctype html><title>暂时不可用</title><h1>{UNAVAILABLE if outage else SERVER_ERROR}</h1>"
        response = HttpResponse(body, status=status)
    if outage:
        response["Retry-After"] = "30"
    return response
