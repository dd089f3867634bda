"""Relief cases, payments and the material ledger as Excel/CSV exports: their columns for the one
export writer (:mod:`core.exports`, which cleans stored text, never writes a formula — a reason
typed as ``=HYPERLINK(...)`` stays text — masks by role and audits who took which rows).

Each ``*_export`` takes the page's request, the rows the page would list (already scoped to the
member's reach and filtered) and the format ("xlsx" or "csv"); amounts are yuan as numbers.
"""

from __future__ import annotations

from core.exports import Column, export_response
from core.registry.idnumbers import id_decrypt


def _numbered(rows):
    for number, row in enumerate(rows.iterator(chunk_size=500) if hasattr(rows, "iterator") else rows, start=1):
        row.row_number = number
        yield row


def _case_full_id(case) -> str:
    person = case.person
    return id_decrypt(person.id_number_encrypted) if person and person.id_number_encrypted else ""


def _status(case) -> str:
    from core.relief.services import status_label

    return status_label(case)


CASE_TITLE = "救助案件台账"
CASE_COLUMNS = [
    Column("序号", lambda c: c.row_number),
    Column("编号", lambda c: c.number),
    Column("救助类型", lambda c: c.get_kind_display()),
    Column("程序", lambda c: c.get_path_display()),
    Column("社区", lambda c: c.community.name),
    Column("网格", lambda c: c.grid.name),
    Column("住址", lambda c: str(c.household)),
    Column("救助对象", lambda c: c.person.name if c.person else ""),
    Column("身份证号", _case_full_id, reveal="person.view_full_id",
           masked=lambda c: c.person.id_masked if c.person else ""),
    Column("申请事由", lambda c: c.reason),
    Column("申请金额（元）", lambda c: c.amount_requested),
    Column("先行救助（元）", lambda c: c.help_amount),
    Column("批准金额（元）", lambda c: c.amount_approved),
    Column("月保障金（元）", lambda c: c.monthly_amount),
    Column("状态", _status),
    Column("受理时间", lambda c: c.accepted_at),
    Column("受理人", lambda c: c.accepted_by_name),
    Column("审批时间", lambda c: c.decided_at),
    Column("审批人", lambda c: c.decided_by_name),
    Column("审批层级", lambda c: c.get_decision_level_display()),
    Column("下一时限", lambda c: getattr(c, "next_due_at", None)),
]

PAYMENT_TITLE = "救助金发放台账"
PAYMENT_COLUMNS = [
    Column("序号", lambda p: p.row_number),
    Column("案件编号", lambda p: p.case.number),
    Column("救助类型", lambda p: p.case.get_kind_display()),
    Column("救助对象", lambda p: p.case.person.name if p.case.person else ""),
    Column("住址", lambda p: str(p.household)),
    Column("月份", lambda p: f"{p.month:%Y-%m}"),
    Column("应发金额（元）", lambda p: p.expected_amount),
    Column("应发日期", lambda p: p.due_on),
    Column("实发金额（元）", lambda p: p.paid_amount),
    Column("发放日期", lambda p: p.paid_on),
    Column("状态", lambda p: p.get_status_display()),
    Column("备注", lambda p: p.note),
]

MOVEMENT_TITLE = "御寒物资台账"
MOVEMENT_COLUMNS = [
    Column("序号", lambda m: m.row_number),
    Column("日期", lambda m: m.occurred_on),
    Column("类型", lambda m: m.get_kind_display()),
    Column("物资", lambda m: m.item.name),
    Column("数量变动", lambda m: m.delta),
    Column("单位", lambda m: m.item.unit),
    Column("社区", lambda m: m.community.name),
    Column("来源", lambda m: m.get_source_display() if m.source else ""),
    Column("捐赠方", lambda m: m.donor),
    Column("领取户", lambda m: str(m.household) if m.household_id else ""),
    Column("领取人（签收）", lambda m: m.recipient_name),
    Column("签收确认", lambda m: "有" if m.confirmation else ""),
    Column("发放人", lambda m: m.handed_by_name),
    Column("冲正原记录", lambda m: m.reverses_id),
    Column("备注", lambda m: m.note),
    Column("登记人", lambda m: m.recorded_by_name),
    Column("登记时间", lambda m: m.created_at),
]


def _respond(request, *, rows, title, columns, filename, fmt):
    return export_response(
        member=request.member,
        title=title,
        columns=columns,
        rows=_numbered(rows),
        count=rows.count(),
        filename=filename,
        fmt=fmt,
        filters={k: v for k, v in request.GET.items() if k not in ("format", "page")},
    )


def cases_export(request, rows, fmt: str):
    """The case board's rows (``case_list``) as a spreadsheet."""
    rows = rows.select_related("household", "person", "community", "grid")
    return _respond(request, rows=rows, title=CASE_TITLE, columns=CASE_COLUMNS, filename="relief-cases", fmt=fmt)


def payments_export(request, rows, fmt: str):
    """The payment board's rows (``payment_list``) as a spreadsheet."""
    return _respond(request, rows=rows, title=PAYMENT_TITLE, columns=PAYMENT_COLUMNS, filename="relief-payments",
                    fmt=fmt)


def movements_export(request, rows, fmt: str):
    """The material ledger's lines (``movement_list``) as a spreadsheet."""
    rows = rows.select_related("item", "community", "household")
    return _respond(request, rows=rows, title=MOVEMENT_TITLE, columns=MOVEMENT_COLUMNS, filename="material-ledger",
                    fmt=fmt)
