"""One JSON shape for every API error: {"code", "message", "details"}."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.workflow import StepConflict

MESSAGES = {
    "not_authenticated": "需要登录 / authentication required",
    "authentication_failed": "登录凭据无效 / invalid credentials",
    "permission_denied": "无权执行此操作 / permission denied",
    "not_found": "未找到 / not found",
    "method_not_allowed": "不支持此请求方法 / method not allowed",
    "invalid": "提交的数据有误 / invalid input",
    "throttled": "请求过于频繁 / too many requests",
    "conflict": "状态冲突 / conflict",
}


def _django_validation_details(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for m in errors.messages]
            if hasattr(errors, "messages")
            else [str(e) for e in errors]
            for field, errors in exc.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc, context):
    if isinstance(exc, StepConflict):  # another member's step came first (core.workflow): nothing was done
        return Response(
            {
                "code": "conflict",
                "message": exc.messages[0],
                "details": {"status": exc.status, "status_label": exc.status_label},
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        from core.once.unique import RULES, constraint_of, violation_error

        name = constraint_of(exc)
        if name is None:
            return None
        if name not in RULES:  # a unique rule without its own message: still no 500
            return Response({"code": "conflict", "message": str(violation_error(exc).messages[0]), "details": {}},
                            status=status.HTTP_409_CONFLICT)
        exc = violation_error(exc)
    if isinstance(exc, DjangoValidationError):
        return Response(
            {"code": "invalid", "message": MESSAGES["invalid"], "details": _django_validation_details(exc)},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        # Keep the service's own reason ("不能审批本人受理的申请 / ...") when it gave one.
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        code, details = (
            "invalid",
            response.data if isinstance(response.data, dict) else {"non_field_errors": response.data},
        )
        message = MESSAGES["invalid"]
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        detail = response.data.get("detail") if isinstance(response.data, dict) else None
        message = str(detail) if detail and code not in MESSAGES else MESSAGES.get(code, str(detail or code))
        if code == "permission_denied" and detail:
            message = str(detail)
        if isinstance(exc, exceptions.AuthenticationFailed) and detail and " / " in str(detail):
            message = str(detail)  # our authenticator's own bilingual reason ("接口密钥无效 / invalid API key")
        details = {}
    response.data = {"code": code, "message": message, "details": details}
    return response
