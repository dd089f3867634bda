"""A report's Excel file, written by the one export writer (core.exports): text stays text, stored
control characters never break the file. Rows arrive already masked for the generating member."""

from __future__ import annotations

from core.exports import Column, export_xlsx
from reports.kinds import Report


def report_xlsx(report: Report) -> bytes:
    columns = [Column(header, value=lambda row, i=i: row[i]) for i, header in enumerate(report.header)]
    return export_xlsx(title=report.document.title, columns=columns, rows=report.rows)
