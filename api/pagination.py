"""Paging of every API list: a walk returns every row exactly once, at any page size.

Every list is ordered by its own order plus the primary key as the last tie-breaker, so the order
is total. Two ways to page, with the same answer shape ``{"count", "next", "previous", "results"}``:

- **Cursor (default).** The first page needs no parameter; ``next`` / ``previous`` are links with an
  opaque ``cursor`` parameter that holds the sort values of the page's last (first) row. The next
  page starts strictly after that row (keyset paging), so rows added or removed meanwhile never
  shift a row into a second page or out of every page.
- **Page numbers (``?page=N``).** Kept for clients that use them; deterministic thanks to the
  tie-breaker, but rows added during a walk shift later pages.

``page_size`` (default 50, at most 500) works in both. ``count`` is the total number of rows.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal

from django.db.models import F, Q
from django.db.models.expressions import OrderBy
from rest_framework import exceptions
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
_KEY = "_page_key_{}"


class _PageNumbers(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


def _terms(queryset) -> list[tuple[object, bool, bool]]:
    """The queryset's ordering as (expression, descending, nulls_last), ending with the primary key."""
    order = list(queryset.query.order_by)
    if not order and queryset.query.default_ordering:
        order = list(queryset.model._meta.ordering)
    terms: list[tuple[object, bool, bool]] = []
    for item in order:
        if isinstance(item, str):
            if item == "?":
                raise ValueError("random order cannot be paged")
            descending = item.startswith("-")
            terms.append((F(item.lstrip("-")), descending, not descending))  # PostgreSQL's default NULLS
        elif isinstance(item, OrderBy):
            descending = item.descending
            nulls_last = item.nulls_last if item.nulls_last else (False if item.nulls_first else not descending)
            terms.append((item.expression, descending, bool(nulls_last)))
        else:
            terms.append((item, False, True))
    pk = queryset.model._meta.pk.name
    if not any(isinstance(e, F) and e.name in ("pk", pk) for e, _, _ in terms):
        terms.append((F("pk"), False, True))
    return terms


def ordered_with_tiebreaker(queryset):
    """``queryset`` with the primary key appended to its ordering (unless it is there): a total order."""
    return queryset.order_by(*[
        OrderBy(expr, descending=desc, nulls_last=nl or None, nulls_first=(not nl) or None)
        for expr, desc, nl in _terms(queryset)
    ])


def _encode(values: list) -> str:
    def tag(value):
        if isinstance(value, dt.datetime):
            return {"dt": value.isoformat()}
        if isinstance(value, dt.date):
            return {"d": value.isoformat()}
        if isinstance(value, Decimal):
            return {"dec": str(value)}
        return value

    raw = json.dumps({"v": [tag(v) for v in values]}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, *, size: int) -> list:
    def untag(value):
        if isinstance(value, dict):
            if "dt" in value:
                return dt.datetime.fromisoformat(value["dt"])
            if "d" in value:
                return dt.date.fromisoformat(value["d"])
            if "dec" in value:
                return Decimal(value["dec"])
            raise ValueError(value)
        return value

    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values = [untag(v) for v in data["v"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise exceptions.ValidationError({"cursor": ["分页游标无效 / invalid cursor"]}) from exc
    if len(values) != size:
        raise exceptions.ValidationError({"cursor": ["分页游标无效 / invalid cursor"]})
    return values


def _after(name: str, value, descending: bool, nulls_last: bool) -> Q:
    """Rows strictly after ``value`` in this term's order."""
    if value is None:
        return Q(pk__in=[]) if nulls_last else Q(**{f"{name}__isnull": False})
    q = Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
    return q | Q(**{f"{name}__isnull": True}) if nulls_last else q


def _equal(name: str, value) -> Q:
    return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})


class Pagination(BasePagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = "cursor"
    page_query_param = "page"

    def paginate_queryset(self, queryset, request, view=None):
        queryset = ordered_with_tiebreaker(queryset)
        self.request = request
        if request.query_params.get(self.page_query_param):
            self.mode = _PageNumbers()
            return self.mode.paginate_queryset(queryset, request, view)
        self.mode = None
        size = self._page_size(request)
        terms = _terms(queryset)
        names = [_KEY.format(i) for i in range(len(terms))]
        keyed = queryset.annotate(**dict(zip(names, (e for e, _, _ in terms), strict=True)))
        self.count = queryset.count()
        cursor = request.query_params.get(self.cursor_query_param, "")
        reverse = cursor.startswith("-")
        boundary = _decode(cursor.lstrip("-"), size=len(terms)) if cursor else None
        directions = [(desc != reverse, nl != reverse) for _, desc, nl in terms]
        keyed = keyed.order_by(*[
            OrderBy(F(n), descending=d, nulls_last=nl or None, nulls_first=(not nl) or None)
            for n, (d, nl) in zip(names, directions, strict=True)
        ])
        if boundary is not None:
            where = Q(pk__in=[])
            for i, name in enumerate(names):
                step = _after(name, boundary[i], *directions[i])
                for j in range(i):
                    step &= _equal(names[j], boundary[j])
                where |= step
            keyed = keyed.filter(where)
        rows = list(keyed[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if reverse:
            rows.reverse()
            self.has_previous, self.has_next = more, True
        else:
            self.has_previous, self.has_next = boundary is not None, more
        self.first = [getattr(rows[0], n) for n in names] if rows else None
        self.last = [getattr(rows[-1], n) for n in names] if rows else None
        return rows

    def _page_size(self, request) -> int:
        try:
            size = int(request.query_params.get(self.page_size_query_param, self.page_size))
        except ValueError:
            size = self.page_size
        return max(1, min(size, self.max_page_size))

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        if self.mode is not None:
            return self.mode.get_paginated_response(data)
        next_link = self._link(_encode(self.last)) if self.has_next and self.last else None
        previous_link = None
        if self.has_previous:
            previous_link = (
                self._link("-" + _encode(self.first)) if self.first
                else remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
            )
        return Response({"count": self.count, "next": next_link, "previous": previous_link, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "next": {"type": "string", "nullable": True, "format": "uri",
                         "example": "http://api.example.org/accounts/?cursor=eyJ2IjpbMV19"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": self.cursor_query_param, "required": False, "in": "query", "schema": {"type": "string"},
             "description": "分页游标（取自 next / previous 链接）/ opaque cursor from a next or previous link"},
            {"name": self.page_query_param, "required": False, "in": "query", "schema": {"type": "integer"},
             "description": "页码（旧方式；推荐用 next 链接）/ page number (older clients; prefer the next link)"},
            {"name": self.page_size_query_param, "required": False, "in": "query", "schema": {"type": "integer"},
             "description": f"每页条数，最多 {MAX_PAGE_SIZE} / rows per page, at most {MAX_PAGE_SIZE}"},
        ]
