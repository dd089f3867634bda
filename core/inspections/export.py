"""Excel exports of the winter-needs ledger and the problem ledger (openpyxl, write-only)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from core.inspections.window import LOCAL


def _local(value) -> str:
    return value.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if value else ""


def _workbook(title: str, header: list[str], rows) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append([title])
    bold = []
    for text in header:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=text)
        cell.font = Font(bold=True)
        bold.append(cell)
    ws.append(bold)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


NEED_HEADER = [
    "序号",
    "社区",
    "网格",
    "住址",
    "人员",
    "需求类型",
    "数量",
    "紧急程度",
    "说明",
    "状态",
    "登记时间",
    "走访人",
]
PROBLEM_HEADER = [
    "序号",
    "社区",
    "网格",
    "住址",
    "排查项",
    "问题描述",
    "责任人",
    "整改时限",
    "状态",
    "整改完成时间",
    "发现时间",
    "整改台账编号",
]


def needs_xlsx(needs) -> bytes:
    rows = (
        [
            i,
            n.household.community.name,
            n.household.grid.name,
            str(n.household),
            n.person.name if n.person else "",
            n.get_need_type_display(),
            n.quantity,
            n.get_urgency_display(),
            n.description,
            n.get_status_display(),
            _local(n.created_at),
            n.visit.visitor_name if n.visit else "",
        ]
        for i, n in enumerate(
            needs.iterator(chunk_size=500) if hasattr(needs, "iterator") else needs, start=1
        )
    )
    return _workbook("困难群众过冬需求台账", NEED_HEADER, rows)


def problems_xlsx(problems) -> bytes:
    rows = (
        [
            i,
            p.household.community.name,
            p.household.grid.name,
            str(p.household),
            p.get_item_display(),
            p.description,
            p.responsible_name,
            _local(p.due_at),
            p.get_status_display(),
            _local(p.resolved_at),
            _local(p.created_at),
            getattr(getattr(p, "rectification", None), "number", "") or "",
        ]
        for i, p in enumerate(
            problems.iterator(chunk_size=500) if hasattr(problems, "iterator") else problems, start=1
        )
    )
    return _workbook("问题台账", PROBLEM_HEADER, rows)
