"""GET /healthz: database and broker status (200 when both answer, 503 otherwise)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def redis_client(url: str | None = None, timeout: float = 1.0):
    import redis

    url = url or settings.REDIS_URL
    if url.startswith("redis+socket://"):
        return redis.Redis(unix_socket_path=url.removeprefix("redis+socket://").split("?")[0], socket_timeout=timeout)
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return f"down: {type(exc).__name__}"


def check_broker() -> str:
    try:
        redis_client().ping()
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"down: {type(exc).__name__}"


def healthz(request):
    status = {"database": check_database(), "broker": check_broker()}
    healthy = all(v == "ok" for v in status.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", **status}, status=200 if healthy else 503)
