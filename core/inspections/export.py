"""The winter-needs ledger and the problem ledger as exports: their columns for the one export writer
(:mod:`core.exports`), which cleans stored text, never writes a formula and masks by role."""

from __future__ import annotations

from core.exports import Column, export_xlsx
from core.registry.idnumbers import id_decrypt


def _rectification_number(problem) -> str:
    return getattr(getattr(problem, "rectification", None), "number", "") or ""


def _full_id(need) -> str:
    person = need.person
    return id_decrypt(person.id_number_encrypted) if person and person.id_number_encrypted else ""


NEED_TITLE = "困难群众过冬需求台账"
NEED_COLUMNS = [
    Column("序号", lambda n: n.row_number),
    Column("社区", lambda n: n.household.community.name),
    Column("网格", lambda n: n.household.grid.name),
    Column("住址", lambda n: str(n.household)),
    Column("人员", lambda n: n.person.name if n.person else ""),
    Column(
        "身份证号",
        _full_id,
        reveal="person.view_full_id",
        masked=lambda n: n.person.id_masked if n.person else "",
    ),
    Column("需求类型", lambda n: n.get_need_type_display()),
    Column("数量", lambda n: n.quantity),
    Column("紧急程度", lambda n: n.get_urgency_display()),
    Column("说明", lambda n: n.description),
    Column("状态", lambda n: n.get_status_display()),
    Column("责任人", lambda n: n.responsible_name),
    Column("办结时限", lambda n: getattr(n, "next_due_at", None)),
    Column("登记时间", lambda n: n.created_at),
    Column("走访人", lambda n: n.visit.visitor_name if n.visit else ""),
]
PROBLEM_TITLE = "问题台账"
PROBLEM_COLUMNS = [
    Column("序号", lambda p: p.row_number),
    Column("社区", lambda p: p.household.community.name),
    Column("网格", lambda p: p.household.grid.name),
    Column("住址", lambda p: str(p.household)),
    Column("排查项", lambda p: p.get_item_display()),
    Column("问题描述", lambda p: p.description),
    Column("责任人", lambda p: p.responsible_name),
    Column("整改时限", lambda p: p.due_at),
    Column("状态", lambda p: p.get_status_display()),
    Column("整改完成时间", lambda p: p.resolved_at),
    Column("发现时间", lambda p: p.created_at),
    Column("整改台账编号", _rectification_number),
]


def numbered(rows):
    """Rows with ``row_number`` (1, 2, ...) set, streamed."""
    iterable = rows.iterator(chunk_size=500) if hasattr(rows, "iterator") else rows
    for number, row in enumerate(iterable, start=1):
        row.row_number = number
        yield row


def needs_xlsx(needs, *, member=None) -> bytes:
    return export_xlsx(title=NEED_TITLE, columns=NEED_COLUMNS, rows=numbered(needs), member=member)


def problems_xlsx(problems, *, member=None) -> bytes:
    return export_xlsx(title=PROBLEM_TITLE, columns=PROBLEM_COLUMNS, rows=numbered(problems), member=member)
