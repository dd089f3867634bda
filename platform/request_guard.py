"""Input PostgreSQL cannot store never reaches a view, and ``/api/...`` always answers JSON errors.

One place for the whole kind "odd input becomes a 500":

* :class:`UnstorableInputMiddleware` looks at the path, every query parameter, every form field
  (``application/x-www-form-urlencoded`` and ``multipart/form-data``) and every string (keys too) of a
  JSON body. A NUL character (PostgreSQL refuses ``\\x00`` in text) or a lone UTF-16 surrogate (not
  encodable as UTF-8, e.g. JSON ``"\\ud800"``) answers 400 before any view runs: the API's error shape
  ``{"code": "invalid_characters", "message", "details": {field: [message]}}`` under ``/api/``, a
  Chinese error page elsewhere. Nothing is saved. Other control characters are stored as typed; the
  export writer (:mod:`core.exports`) makes them safe on the way out.
* :func:`not_found` / :func:`server_error` (``handler404`` / ``handler500`` of both sites) answer the
  API's JSON error shape for paths under ``/api/`` and the Chinese pages elsewhere.
"""

from __future__ import annotations

import json
import re

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
MESSAGE = "输入中含有无法保存的字符（如空字符 NUL），请删除后重试 / input holds characters that cannot be stored (NUL)"
FIELD_MESSAGE = "含有无法保存的字符（如空字符 NUL）/ holds characters that cannot be stored"
_JSON_TYPES = ("application/json", "application/merge-patch+json", "application/vnd.api+json")


def is_api_path(path: str) -> bool:
    return path.startswith("/api/")


def is_open311_path(path: str) -> bool:
    return path.startswith("/open311/")


def open311_error(request, status: int, description: str) -> HttpResponse:
    """An error in GeoReport v2's own shape (``[{"code", "description"}]`` or ``<errors>`` XML when
    the path ends in ``.xml``), so an Open311 client's parser never meets an HTML page."""
    if request.path.endswith(".xml"):
        import xml.etree.ElementTree as ET

        errors = ET.Element("errors")
        error = ET.SubElement(errors, "error")
        ET.SubElement(error, "code").text = str(status)
        ET.SubElement(error, "description").text = description
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(errors, encoding="utf-8")
        return HttpResponse(body, status=status, content_type="application/xml; charset=utf-8")
    return JsonResponse([{"code": status, "description": description}], status=status, safe=False,
                        json_dumps_params={"ensure_ascii": False})


def unstorable(text: str) -> bool:
    """True when ``text`` holds a character PostgreSQL text cannot store (NUL, lone surrogate)."""
    return bool(_UNSTORABLE.search(text))


def _bad_fields_in_querydict(querydict, prefix: str) -> list[str]:
    bad = []
    for key, values in querydict.lists():
        if unstorable(key) or any(isinstance(v, str) and unstorable(v) for v in values):
            bad.append(f"{prefix}{_printable(key)}")
    return bad


def _bad_fields_in_json(value, path: str = "") -> list[str]:
    if isinstance(value, str):
        return [path or "body"] if unstorable(value) else []
    if isinstance(value, dict):
        bad = []
        for key, item in value.items():
            child = f"{path}.{_printable(key)}" if path else _printable(key)
            if unstorable(key):
                bad.append(child)
            else:
                bad.extend(_bad_fields_in_json(item, child))
        return bad
    if isinstance(value, list):
        return [field for i, item in enumerate(value) for field in _bad_fields_in_json(item, f"{path}.{i}")]
    return []


def _printable(key: str) -> str:
    return _UNSTORABLE.sub("\ufffd", key)


def unstorable_fields(request) -> list[str]:
    """Names of the parts of ``request`` holding unstorable characters (``path``, ``query.q``,
    ``form.note``, ``body.persons.0.name``); empty when the request is clean."""
    bad = ["path"] if unstorable(request.path) else []
    bad += _bad_fields_in_querydict(request.GET, "query.")
    content_type = request.content_type or ""
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            bad += _bad_fields_in_querydict(request.POST, "form.")
        elif content_type in _JSON_TYPES or content_type.endswith("+json"):
            raw = request.body
            if b"\\u0000" in raw or b"\x00" in raw or b"\\ud" in raw.lower():
                try:
                    document = json.loads(raw)
                except ValueError:
                    document = None  # malformed JSON: the API's parser answers 400 itself
                bad += [
                    f"body.{field}" if field != "body" else field for field in _bad_fields_in_json(document)
                ]
    return bad


class UnstorableInputMiddleware:
    """Refuse (400) a request whose path, query, form or JSON body holds unstorable characters."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = unstorable_fields(request)
        if bad:
            return refusal(request, bad)
        return self.get_response(request)


def refusal(request, fields: list[str]):
    if is_open311_path(request.path):
        return open311_error(request, 400, f"{MESSAGE}: {', '.join(fields)}")
    if is_api_path(request.path):
        return JsonResponse(
            {
                "code": "invalid_characters",
                "message": MESSAGE,
                "details": {f: [FIELD_MESSAGE] for f in fields},
            },
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(request, "400.html", {"message": MESSAGE.split(" / ")[0]}, status=400)


def not_found(request, exception=None):
    """handler404: the API's JSON shape under /api/, GeoReport's under /open311/, the Chinese page elsewhere."""
    if is_open311_path(request.path):
        return open311_error(request, 404, "未找到 / not found")
    if is_api_path(request.path):
        return JsonResponse(
            {"code": "not_found", "message": "未找到 / not found", "details": {}},
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(request, "404.html", status=404)


def server_error(request):
    """handler500: the API's JSON shape under /api/, GeoReport's under /open311/, the static Chinese page elsewhere."""
    if is_open311_path(request.path):
        return open311_error(request, 500, "系统错误，已记录 / server error, logged")
    if is_api_path(request.path):
        return JsonResponse(
            {"code": "server_error", "message": "系统错误，已记录 / server error, logged", "details": {}},
            status=500,
            json_dumps_params={"ensure_ascii": False},
        )
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request)
