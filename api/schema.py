"""The OpenAPI document is the contract: post-processing that every operation gets alike.

:func:`postprocess` (a drf-spectacular ``POSTPROCESSING_HOOKS`` entry) adds to every operation

* the error responses the API really answers, all in the one shape ``{"code", "message", "details"}``
  (component ``Error``): 400 for operations with a body or query parameters, 401, 403 and 429 (an
  API key over its rate limit) everywhere but the token endpoint, 404 for paths with parameters;
  Open311 paths (``/open311/``) answer errors in the GeoReport shape (``Open311Error``, JSON and XML);
* an ``example`` to every request-body property that has none: from :data:`EXAMPLES` by field name,
  else from its type (enum: the first value). Integrators get a body that shows each field's shape.

``tests/api/test_openapi_contract.py`` walks the document and checks each operation answers as written.
"""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "example": "invalid"},
        "message": {"type": "string", "example": "提交的数据有误 / invalid input"},
        "details": {
            "type": "object",
            "additionalProperties": True,
            "example": {"id_number": ["身份证号校验位错误 / check digit is wrong"]},
        },
    },
    "required": ["code", "message", "details"],
}
# Open311 GeoReport v2 answers its errors in the spec's own shape (api/open311.py), JSON or XML.
OPEN311_ERROR_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "code": {"type": "integer", "example": 400},
            "description": {"type": "string", "example": "提交的数据有误 / invalid input service_code: ..."},
        },
        "required": ["code", "description"],
    },
}
ERROR_TEXT = {
    "400": "提交的数据有误 / invalid input (details per field)",
    "401": "需要登录 / authentication required",
    "403": "无权执行此操作 / permission denied",
    "404": "未找到，或不在您的负责范围 / not found or outside your reach",
    "429": "请求过于频繁 / too many requests: an API key over its rate_per_minute (header Retry-After, seconds)",
}

# Example values by field name (synthetic people only; the ID number has a valid check digit).
EXAMPLES: dict[str, object] = {
    "id_number": "140402194501018035",
    "name": "王秀英",
    "requester_name": "王大妈",
    "phone": "13912345678",
    "requester_phone": "13912345678",
    "address": "太行东街12号院3号楼2单元401",
    "description": "家里暖气不热，屋里只有十度",
    "note": "已电话联系，明天上门",
    "reason": "已迁回本街道",
    "text": "已更换燃气软管",
    "title": "楼道堆放杂物",
    "source_note": "区民政局督查反馈第5条",
    "username": "thd_staff",
    "password": "Nuandong-2026",
    "hotline": "0355-2020001",
    "hotline_hours": "8:00-18:00",
    "evidence": "12月1日召开部署会，参会23人",
    "due_on": "2026-12-20",
    "starts_on": "2026-11-15",
    "ends_on": "2027-03-15",
}
_BY_TYPE = {"integer": 1, "number": 1, "boolean": True, "array": [], "object": {}}
_BY_FORMAT = {
    "date": "2026-12-01",
    "date-time": "2026-12-01T09:30:00+08:00",
    "binary": "(file)",
    "uri": "https://example.invalid/",
    "email": "user@example.invalid",
}


def postprocess(result, generator, request, public):
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    schemas.setdefault("Open311Error", OPEN311_ERROR_SCHEMA)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            _add_errors(path, method, operation)
            _add_examples(operation, schemas)
    return result


def _add_errors(path: str, method: str, operation: dict) -> None:
    responses = operation.setdefault("responses", {})
    codes = []
    if method != "get" or any(p.get("in") == "query" for p in operation.get("parameters", [])):
        codes.append("400")
    if not path.endswith("/auth/token/"):
        codes += ["401", "403"]
    if "{" in path:
        codes.append("404")
    if path.startswith("/open311/"):
        codes = sorted({*codes, "400", "404"})  # a bad format or service code, an unknown request
        content = {media: {"schema": {"$ref": "#/components/schemas/Open311Error"}}
                   for media in ("application/json", "application/xml")}
    else:
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for code in codes:
        responses.setdefault(code, {"description": ERROR_TEXT[code], "content": content})
    if not path.endswith("/auth/token/"):  # an API key over its rate_per_minute (api/auth.py)
        responses.setdefault("429", {"description": ERROR_TEXT["429"], "content": content})


def _add_examples(operation: dict, schemas: dict) -> None:
    for media in operation.get("requestBody", {}).get("content", {}).values():
        _example_properties(media.get("schema", {}), schemas, seen=set())


def _resolve(schema: dict, schemas: dict) -> dict:
    ref = schema.get("$ref", "")
    return schemas.get(ref.rsplit("/", 1)[-1], {}) if ref.startswith("#/components/schemas/") else schema


def _example_properties(schema: dict, schemas: dict, seen: set) -> None:
    ref = schema.get("$ref")
    if ref:
        if ref in seen:
            return
        seen.add(ref)
    schema = _resolve(schema, schemas)
    for sub in schema.get("allOf", []) + schema.get("oneOf", []) + schema.get("anyOf", []):
        _example_properties(sub, schemas, seen)
    for name, prop in schema.get("properties", {}).items():
        if prop.get("readOnly"):
            continue
        target = _resolve(prop, schemas) if "$ref" in prop else prop
        if "example" not in prop and "example" not in target:
            prop["example"] = example_for(name, prop, schemas)
        if target.get("type") == "object" or target.get("properties"):
            _example_properties(prop, schemas, seen)


def example_for(name: str, prop: dict, schemas: dict):
    """An example value for a request property ``name`` with schema ``prop``."""
    if name in EXAMPLES:
        return EXAMPLES[name]
    target = _resolve(prop, schemas)
    for combined in ("allOf", "oneOf", "anyOf"):
        for sub in target.get(combined, []):
            resolved = _resolve(sub, schemas)
            if resolved.get("enum"):
                return next(v for v in resolved["enum"] if v not in ("", None))
    if target.get("enum"):
        return next((v for v in target["enum"] if v not in ("", None)), target["enum"][0])
    if target.get("format") in _BY_FORMAT:
        return _BY_FORMAT[target["format"]]
    if target.get("type") == "array":
        item = target.get("items", {})
        return [example_for(name.rstrip("s"), item, schemas)] if item else []
    if name.endswith("_id") or name in ("household", "community", "grid", "building", "person"):
        return 1
    return _BY_TYPE.get(target.get("type"), "示例")
