"""``Idempotency-Key`` on every API POST: a retry gets the first answer, the work happens once.

A client sends ``Idempotency-Key: <1-255 visible ASCII characters>`` (a UUID is best) with a POST.

- First use of the key: the request is handled inside one transaction that also claims the key
  (``core.once.services.once_claim``). A 2xx answer is stored with the key (status, JSON body,
  ``Location``) and commits together with the work. Any other answer releases the key, so a retry
  after an error is handled anew (services change nothing when they refuse).
- The same key again with the same request (method, path, body — JSON compared parsed, uploaded
  files by content): the stored answer, same status and body, with ``Idempotent-Replayed: true``;
  nothing is done again. A simultaneous twin waits for the first to finish, then gets its answer.
- The same key with another request: 422 ``{"code": "idempotency_key_reused", ...}``.

Keys belong to the signed-in user and are kept in the street office's schema (on the district
site: the public schema, scoped by the district's code) for ``ONCE_KEY_TTL_HOURS`` (24 hours);
the hourly task ``once.purge_expired`` deletes expired keys.
"""

from __future__ import annotations

import hashlib
import json
import re

from django.db import DatabaseError, transaction
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from core.once.models import OnceKey
from core.once.services import once_claim, once_release, once_scope, once_store

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r"[\x21-\x7e]{1,255}")
_KEY_HELP = (
    "可选。同一键+同一请求重试时返回第一次的结果（状态码和内容），不重复办理；同一键+不同请求返回 422。"
    "键按用户保存 24 小时。 / Optional. Retrying with the same key and the same request returns the "
    "first answer (status and body, header `Idempotent-Replayed: true`) without doing the work again; "
    "the same key with another request body answers 422 `idempotency_key_reused`. 1-255 visible ASCII "
    "characters (a UUID is best); kept per user for 24 hours. Only successful (2xx) answers are kept."
)


class IdempotencyKeyInvalid(exceptions.ValidationError):
    pass


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "该 Idempotency-Key 已用于另一个请求 / this Idempotency-Key was used for another request"
    default_code = "idempotency_key_reused"


class _Replay(Exception):
    def __init__(self, record: OnceKey):
        self.record = record


def request_fingerprint(request) -> str:
    """sha256 of method, path and the parsed body (JSON canonical; files by their content)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    data = request.data
    if hasattr(data, "lists"):  # QueryDict: form fields and files of a multipart body
        fields = {key: [v if isinstance(v, str) else _file_digest(v) for v in values] for key, values in data.lists()}
    else:
        fields = data
    digest.update(json.dumps(fields, sort_keys=True, cls=JSONEncoder, default=str).encode())
    for name in sorted(getattr(request, "FILES", {}) or {}):
        for upload in request.FILES.getlist(name):
            digest.update(f"\n{name}:{_file_digest(upload)}".encode())
    return digest.hexdigest()


def _file_digest(upload) -> str:
    if not hasattr(upload, "chunks"):
        return str(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _wants_key(request) -> bool:
    return request.method == "POST" and HEADER in request.headers


class IdempotentAutoSchema(AutoSchema):
    """Documents the ``Idempotency-Key`` header and its 422 answer on every POST operation."""

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if self.method == "POST":
            params.append(OpenApiParameter(HEADER, str, OpenApiParameter.HEADER, required=False, description=_KEY_HELP))
        return params

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        if self.method == "POST" and "422" not in bodies:
            bodies["422"] = {"description": "Idempotency-Key 已用于另一个请求 / Idempotency-Key reused with another request"}
        return bodies


class IdempotencyMixin:
    """Mixed into the API base class (``api.base.ScopedApiMixin``); nothing to do in a view."""

    schema = IdempotentAutoSchema()

    def dispatch(self, request, *args, **kwargs):
        if not _wants_key(request):
            return super().dispatch(request, *args, **kwargs)
        self._once_claim = None
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            claim = self._once_claim
            if claim is not None:
                if 200 <= response.status_code < 300 and isinstance(response, Response):
                    once_store(claim=claim, status_code=response.status_code,
                               body=json.dumps(response.data, cls=JSONEncoder), location=response.get("Location", ""))
                else:
                    try:
                        once_release(claim=claim)
                    except DatabaseError:  # the view left the transaction broken: nothing of it may stay
                        transaction.set_rollback(True)
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticated, a member, allowed
        if not _wants_key(request):
            return
        key = request.headers[HEADER].strip()
        if not _KEY.fullmatch(key):
            raise IdempotencyKeyInvalid(
                {HEADER: ["Idempotency-Key 须为1至255个可见ASCII字符 / 1-255 visible ASCII characters"]}
            )
        fingerprint = request_fingerprint(request)
        claim = once_claim(kind=OnceKey.Kind.API, user_id=request.user.pk, key=key, fingerprint=fingerprint,
                           scope=once_scope(getattr(request, "member", None)))
        if claim.fresh:
            self._once_claim = claim
            return
        if claim.record.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        raise _Replay(claim.record)

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            record = exc.record
            headers = {REPLAYED_HEADER: "true"}
            if record.location:
                headers["Location"] = record.location
            return Response(json.loads(record.body) if record.body else None, status=record.status_code,
                            headers=headers)
        return super().handle_exception(exc)
