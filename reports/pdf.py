"""PDF rendering with WeasyPrint: A4, official title block, repeated table headers, "第 x 页 共 y 页".

Small documents render in one pass. Large ledgers are split into as many chunks as there are CPUs,
each rendered by its own ``python -m reports.pdf_chunk`` process (Celery's prefork workers may not
fork pools of their own), merged with pypdf, and stamped with page numbers from a one-pass overlay
whose page counter WeasyPrint computes. The table uses a fixed layout with declared column widths,
which spares WeasyPrint the per-page preferred-width pass over every cell (ADR 0012; measured in
docs/benchmarks.md, ``report_pdf``).

Every font-family chain, the ``@page`` margin boxes included, starts with an installed CJK font
(Debian ``fonts-noto-cjk``), so Chinese is embedded as real glyphs.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.html import escape

FONT_STACK = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Noto Serif CJK SC", sans-serif'
# Rows per document below which one pass is cheaper than starting chunk processes.
PARALLEL_MIN_ROWS = int(os.environ.get("NUANDONG_PDF_PARALLEL_MIN_ROWS", "400"))
CHUNKS_PER_WORKER = 2


@dataclass
class Column:
    title: str
    width: float  # share of the table width, in percent
    align: str = "left"


@dataclass
class PdfDocument:
    """What a report hands to the renderer: a title block, sections of text and one main table."""

    issuer: str  # issuing office, e.g. 太行东街街道办事处
    title: str
    period: str  # e.g. 2026年12月1日至2026年12月31日
    generated_on: str  # e.g. 2026年12月18日
    landscape: bool = True
    summary: list[tuple[str, str]] = field(default_factory=list)  # (label, value) lines above the table
    sections: list[tuple[str, str]] = field(default_factory=list)  # (heading, paragraph text)
    columns: list[Column] = field(default_factory=list)
    rows: Sequence[Sequence[str]] = ()
    note: str = ""  # a line below the table (e.g. the masking rule)
    signature: list[str] = field(default_factory=list)  # lines of the sign-off block


def _css(doc: PdfDocument, *, page_numbers: bool) -> str:
    size = "A4 landscape" if doc.landscape else "A4"
    number = (
        '@bottom-center { content: "第 " counter(page) " 页 共 " counter(pages) " 页"; '
        f"font-family: {FONT_STACK}; font-size: 9pt; }}"
        if page_numbers
        else ""
    )
    return f"""
@page {{ size: {size}; margin: 16mm 12mm 16mm 12mm;
  @top-left {{ content: "{escape(doc.issuer)}"; font-family: {FONT_STACK}; font-size: 8pt; color: #333; }}
  @top-right {{ content: "{escape(doc.title)}"; font-family: {FONT_STACK}; font-size: 8pt; color: #333; }}
  {number} }}
html {{ font-family: {FONT_STACK}; font-size: 9pt; color: #000; }}
.titleblock {{ text-align: center; margin-bottom: 4mm; }}
.issuer {{ font-size: 11pt; letter-spacing: 1pt; }}
h1 {{ font-size: 18pt; margin: 2mm 0; font-weight: bold; }}
.meta {{ font-size: 9pt; }}
.summary {{ margin: 2mm 0 3mm; }}
.summary span {{ display: inline-block; margin-right: 6mm; }}
h2 {{ font-size: 11pt; margin: 3mm 0 1mm; }}
p {{ margin: 0 0 2mm; text-indent: 2em; line-height: 1.5; }}
table {{ width: 100%; border-collapse: collapse; table-layout: fixed; }}
thead {{ display: table-header-group; }}
tr {{ page-break-inside: avoid; }}
th, td {{ border: 0.5pt solid #000; padding: 1.5pt 2pt; vertical-align: top; overflow-wrap: anywhere; }}
th {{ background: #eee; font-weight: bold; text-align: center; }}
td.r {{ text-align: right; }} td.c {{ text-align: center; }}
.note {{ margin-top: 2mm; font-size: 8pt; color: #333; }}
.sign {{ margin-top: 8mm; text-align: right; line-height: 2; }}
"""


def _html(doc: PdfDocument, rows: Sequence[Sequence[str]], *, first: bool, last: bool, page_numbers: bool) -> str:
    return render_to_string(
        "reports/pdf/document.html",
        {
            "doc": doc,
            "css": _css(doc, page_numbers=page_numbers),
            "body": _body(doc.columns, rows),
            "first": first,
            "last": last,
        },
    )


def _body(columns: list[Column], rows: Sequence[Sequence[str]]) -> str:
    """The table rows as HTML (built here rather than by the template: a 2,000-row ledger has
    24,000 cells), every cell escaped."""
    opens = ["<td>" if c.align == "left" else f'<td class="{c.align[0]}">' for c in columns]
    return "".join(
        "<tr>" + "".join(f"{o}{escape(cell)}</td>" for o, cell in zip(opens, row, strict=False)) + "</tr>\n"
        for row in rows
    )


def _render_here(html: str) -> tuple[bytes, int]:
    from weasyprint import HTML

    document = HTML(string=html).render()
    return document.write_pdf(), len(document.pages)


def _render_in_process(html: str) -> bytes:
    """Render one chunk in a child process (``python -m reports.pdf_chunk``): HTML in, PDF out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-m", "reports.pdf_chunk"], input=html.encode(), capture_output=True, env=env, check=False
    )
    if result.returncode != 0:
        raise RuntimeError("PDF chunk failed: " + result.stderr.decode(errors="replace")[-500:])
    return result.stdout


def _page_overlay(doc: PdfDocument, pages: int) -> bytes:
    blank = '<div style="page-break-after: always"></div>' * (pages - 1) + "<div></div>"
    html = f"<html><head><meta charset='utf-8'><style>{_css(doc, page_numbers=True)}" \
           f"@page {{ @top-left {{ content: none }} @top-right {{ content: none }} }}</style></head><body>{blank}</body></html>"
    return _render_here(html)[0]


def render_pdf(doc: PdfDocument, *, progress: Callable[[int], None] | None = None, workers: int | None = None) -> tuple[bytes, int]:
    """The PDF of ``doc`` and its page count. ``progress(percent)`` is called as parts finish."""
    report = progress or (lambda _p: None)
    rows = list(doc.rows)
    workers = workers or max(1, min(os.cpu_count() or 1, 4))
    if len(rows) < PARALLEL_MIN_ROWS or workers == 1:
        report(10)
        pdf, pages = _render_here(_html(doc, rows, first=True, last=True, page_numbers=True))
        report(100)
        return pdf, pages

    from pypdf import PdfReader, PdfWriter

    # Twice as many chunks as processes at once: each process holds a quarter of a big ledger's
    # layout instead of half, which keeps the peak memory under the one-pass render's.
    size = -(-len(rows) // (workers * CHUNKS_PER_WORKER))
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
    htmls = [
        _html(doc, chunk, first=i == 0, last=i == len(chunks) - 1, page_numbers=False) for i, chunk in enumerate(chunks)
    ]
    done = 0
    parts: list[bytes] = [b""] * len(htmls)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_render_in_process, html): i for i, html in enumerate(htmls)}
        for future, i in futures.items():
            parts[i] = future.result()
            done += 1
            report(10 + 75 * done // len(htmls))
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    pages = len(writer.pages)
    overlay = PdfReader(io.BytesIO(_page_overlay(doc, pages)))
    for page, numbers in zip(writer.pages, overlay.pages, strict=True):
        page.merge_page(numbers)
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    report(95)
    out = io.BytesIO()
    writer.write(out)
    report(100)
    return out.getvalue(), pages
