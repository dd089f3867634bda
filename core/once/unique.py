"""Unique rules users can hit answer their own message — also when two requests race past the check.

Services check a unique rule before saving ("户编号已存在"); two simultaneous requests can both
pass that check, and then PostgreSQL's unique constraint refuses the second INSERT with an
``IntegrityError``. ``@unique_messages`` (placed above ``@transaction.atomic`` on a writing service)
turns that refusal into the same ``ValidationError`` the check gives, by constraint name, so pages
show it on the field and the API answers 400 ``invalid`` — never a 500. ``unique_guard`` does the
same around one statement when the message needs a look-up (e.g. the duplicate ID's existing person).

``RULES`` maps constraint names (``Meta.constraints`` names, or PostgreSQL's ``<table>_<column>_key``
for ``unique=True``) to ``(field, message)``. A unique violation of a constraint not listed here
still never becomes a 500: the API answers 409 ``conflict`` and pages say the record already exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

UNIQUE_VIOLATION = "23505"
GENERIC_MESSAGE = "与已有记录重复，请刷新后查看 / this duplicates an existing record; reload and check"

RULES: dict[str, tuple[str, str]] = {
    "household_unique_number": ("number", "户编号已存在 / household number already exists"),
    "person_unique_id_hash": ("id_number", "该身份证号已登记 / ID number already registered"),
    "community_unique_name": ("name", "社区名称已存在 / a community with this name exists"),
    "grid_unique_name_in_community": ("name", "本社区已有同名网格 / a grid with this name exists in the community"),
    "building_unique_name_in_grid": ("name", "本网格已有同名楼栋 / a building with this name exists in the grid"),
    "tenants_user_username_key": ("username", "用户名已存在 / username already exists"),
    "tenants_streetoffice_slug_key": ("slug", "该标识已被使用 / this slug is taken"),
    "tenants_streetoffice_schema_name_key": ("slug", "该标识已被使用 / this slug is taken"),
    "tenants_domain_domain_key": ("domain", "该域名已被使用 / this domain is taken"),
    "tenants_district_code_key": ("code", "该行政区划代码已存在 / this division code exists"),
    "membership_one_per_street": ("role", "该用户在本街道已有角色 / the user already has a role here"),
    "membership_one_per_district": ("role", "该用户在本区已有角色 / the user already has a role in the district"),
    "requests_citizenrequest_number_key": ("number", "诉求编号重复，请重试 / request number taken, try again"),
    "rectification_rectification_number_key": ("number", "整改编号重复，请重试 / item number taken, try again"),
    "calendar_unique_day": ("date", "该日期已设置 / this day is already set"),
    "rectification_one_per_request": ("request", "该诉求已转入整改台账 / already in the rectification ledger"),
    "holiday_cash_once": (
        "cash_amount",
        "本次慰问活动已向该对象发放过慰问金，不能重复发放 / this person already received a cash gift in this campaign",
    ),
}


def constraint_of(exc: IntegrityError) -> str | None:
    """The name of the unique constraint ``exc`` violated, or None for any other integrity error."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) != UNIQUE_VIOLATION:
        return None
    diag = getattr(cause, "diag", None)
    return getattr(diag, "constraint_name", None) or ""


def violation_error(exc: IntegrityError) -> ValidationError | None:
    """The user-facing error for a unique violation (None when ``exc`` is not one)."""
    name = constraint_of(exc)
    if name is None:
        return None
    field, message = RULES.get(name, ("non_field_errors", GENERIC_MESSAGE))
    return ValidationError({field: [message]}, code="unique")


def unique_messages(func: Callable) -> Callable:
    """Decorator for a writing service: a unique violation becomes its rule's ValidationError."""

    @wraps(func)
    def wrapped(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except IntegrityError as exc:
            error = violation_error(exc)
            if error is None:
                raise
            raise error from exc

    return wrapped


@contextmanager
def unique_guard(**errors: Callable[[], ValidationError]) -> Iterator[None]:
    """Run the block in a savepoint; a violation of constraint ``name`` raises ``errors[name]()``.

    Constraints without their own callable get their ``RULES`` message. Example::

        with unique_guard(person_unique_id_hash=lambda: DuplicatePersonError(find())):
            person.save()
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        name = constraint_of(exc)
        if name is None:
            raise
        if name in errors:
            raise errors[name]() from exc
        raise violation_error(exc) from exc
