"""The one writer for every spreadsheet export (Excel .xlsx and CSV).

Every ledger, list or report that leaves the system as a spreadsheet goes through :func:`export_xlsx`
or :func:`export_csv` (or :func:`export_response`, which also audits and names the file). The writer
owns three guarantees so no export has to remember them:

1. **Stored text never breaks an export.** Characters that XML 1.0 / Excel refuse (C0 controls other
   than tab, LF, CR; e.g. the vertical tab ``\\x0b`` Word pastes as a line break) are replaced:
   ``\\x0b`` and ``\\x0c`` become a line break, every other refused character is dropped.
2. **Text is written as text, never a formula.** A value that starts with ``=``, ``+``, ``-``, ``@``,
   tab or CR (OWASP "CSV injection") is stored in .xlsx as a string cell with Excel's quote prefix
   (shown verbatim, stays text when edited) and in CSV behind a leading apostrophe ``'``. Numbers,
   ``Decimal`` and dates keep their type.
3. **Masking by role.** A :class:`Column` may name the permission action that shows its value in the
   clear (``reveal="person.view_full_id"``) and a ``masked`` function; a member without that action
   gets the masked value (the clear value is then never computed). The same :class:`Member.can <tenants.models.Member>` matrix decides as
   on pages and in the API.

Shapes: ``columns`` is a sequence of :class:`Column`; ``rows`` any iterable of objects the columns'
``value`` functions read (a QuerySet is streamed with ``iterator()``). Datetimes are written as
Beijing local time ``YYYY-MM-DD HH:MM``; ``Decimal`` (yuan) as a number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

LOCAL = ZoneInfo("Asia/Shanghai")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

# XML 1.0 refuses these (openpyxl raises IllegalCharacterError on them); \x0b/\x0c read as breaks.
_BREAKS = re.compile(r"[\x0b\x0c]")
_ILLEGAL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_EXCEL_CELL_LIMIT = 32767


@dataclass(frozen=True)
class Column:
    """One column of an export.

    ``value(row)`` gives the cell's value (str, int, Decimal, date, aware datetime or None).
    ``reveal``: permission action that sees ``value(row)``; without it ``masked(row)`` is written
    (an empty cell when ``masked`` is None). ``reveal=None``: everybody who may export sees it.
    """

    header: str
    value: Callable[[Any], Any]
    reveal: str | None = None
    masked: Callable[[Any], Any] | None = None


def clean_text(text: str) -> str:
    """Stored text made writable: refused control characters replaced or dropped (see module doc)."""
    return _ILLEGAL.sub("", _BREAKS.sub("\n", text))


def is_formula_like(text: str) -> bool:
    """True for text a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first)."""
    return text.startswith(FORMULA_PREFIXES)


def cell_value(value: Any) -> Any:
    """A Python value as it goes into a cell: text cleaned, datetimes local, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(LOCAL)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float, Decimal)):
        return value
    return clean_text(str(value))[:_EXCEL_CELL_LIMIT]


def _row_values(columns: Sequence[Column], row: Any, member) -> list[Any]:
    values = []
    for column, clear in zip(columns, _clear_columns(columns, member), strict=True):
        if clear:
            value = column.value(row)
        else:
            value = column.masked(row) if column.masked else ""
        values.append(cell_value(value))
    return values


def _clear_columns(columns: Sequence[Column], member) -> list[bool]:
    return [not c.reveal or (member is not None and member.can(c.reveal)) for c in columns]


def _iterate(rows: Iterable[Any]) -> Iterable[Any]:
    return rows.iterator(chunk_size=500) if hasattr(rows, "iterator") else rows


def export_xlsx(*, title: str, columns: Sequence[Column], rows: Iterable[Any], member=None) -> bytes:
    """An .xlsx workbook (bytes): one sheet named ``title`` (first row the title, second the bold
    headers, then one row per item). ``member`` decides masked columns (None: everything masked)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_name(title))
    ws.append([cell_value(title)])
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=cell_value(column.header))
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for row in _iterate(rows):
        ws.append([_xlsx_cell(ws, value) for value in _row_values(columns, row, member)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(ws, value: Any):
    if isinstance(value, str) and value:
        cell = WriteOnlyCell(ws, value=value)
        # openpyxl types any text starting with "=" as a formula: force a string cell, and mark it
        # quote-prefixed so Excel keeps it text when someone edits the cell.
        cell.data_type = "s"
        if is_formula_like(value):
            cell.quotePrefix = True
        return cell
    return value


def _sheet_name(title: str) -> str:
    name = re.sub(r"[\\/*?:\[\]]", " ", clean_text(title)).strip() or "Sheet1"
    return name[:31]


def export_csv(*, title: str, columns: Sequence[Column], rows: Iterable[Any], member=None) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel reads Chinese), header row first; formula-like
    text behind an apostrophe. ``title`` is not written (CSV has no sheet name)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(cell_value(column.header)) for column in columns])
    for row in _iterate(rows):
        writer.writerow([_csv_cell(value) for value in _row_values(columns, row, member)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def export_response(
    *,
    member,
    title: str,
    columns: Sequence[Column],
    rows,
    filename: str,
    fmt: str = "xlsx",
    filters=None,
    count: int | None = None,
):
    """An attachment response for an export, audited (who took which rows with which filters).

    ``fmt``: ``"xlsx"`` or ``"csv"``; ``filename`` without extension (ASCII), a local timestamp is
    appended; ``count`` (rows exported, for the audit) is taken from ``rows`` when not given.
    Raises ``ValueError`` for another format.
    """
    from django.http import HttpResponse
    from django.utils import timezone

    from core.audit.services import audit_record

    if fmt not in ("xlsx", "csv"):
        raise ValueError(f"unknown export format {fmt!r}")
    if count is None:
        rows = list(rows) if not hasattr(rows, "count") else rows
        count = rows.count() if hasattr(rows, "count") and not isinstance(rows, list) else len(rows)
    # An export carries person-level data out of the system: leave a trace of who took what.
    audit_record(
        actor=member,
        action=f"{filename}.export",
        object_type="ledger",
        object_id=filename,
        after={"filters": dict(filters or {}), "rows": count, "format": fmt},
    )
    writer = export_xlsx if fmt == "xlsx" else export_csv
    body = writer(title=title, columns=columns, rows=rows, member=member)
    stamp = timezone.now().astimezone(LOCAL).strftime("%Y%m%d-%H%M")
    response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE if fmt == "xlsx" else CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}-{stamp}.{fmt}"
    return response
