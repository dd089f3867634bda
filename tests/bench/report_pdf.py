"""A 2,000-row needs ledger as PDF: the plain WeasyPrint render vs ours (reports.pdf.render_pdf).

Both sides render the same title block, the same 2,000 rows and the same fonts (Noto Sans CJK SC,
embedded and subset) into one PDF with "第 x 页 共 y 页" on every page:
- plain: one HTML document, WeasyPrint's default (auto) table layout, one process, ``write_pdf()``;
- ours: fixed table layout with declared column widths, rows split into one chunk per CPU, each chunk
  rendered by its own process, merged with pypdf, page numbers stamped from a one-pass overlay.
Each variant runs in a fresh process. Peak memory: the largest sum of resident memory of the
process and its chunk processes, sampled every 50 ms (and never less than the process's own peak). ``./deploy/dev bench --tiny`` (CI) only checks that it runs.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

TITLE = "Report PDF: 2,000-row needs ledger, plain WeasyPrint vs ours"
ROOT = Path(__file__).resolve().parents[2]

_CHILD = r"""
import json, os, resource, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuandong.settings")
import django; django.setup()
import logging; logging.getLogger("weasyprint").setLevel(logging.ERROR)
from reports import pdf
from reports.kinds import NEED_COLUMNS
variant, rows_n, min_rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pdf.PARALLEL_MIN_ROWS = min_rows
rows = [[str(i + 1), "太行东社区", f"第{i % 7 + 1}网格", f"光明路{i}号院{i % 30}号楼", f"刘秀{'兰梅英芳'[i % 4]}",
         "御寒衣物", str(i % 5 + 1), "紧急" if i % 3 else "一般", "棉衣、棉鞋各一，电暖器一台" if i % 2 else "米面油",
         "待解决", f"2026-11-2{i % 9} 10:00", "周网格"] for i in range(rows_n)]
doc = pdf.PdfDocument(issuer="太行东街街道办事处", title="困难群众过冬需求台账", period="2026年11月21日至2026年12月20日",
                      generated_on="2026年12月18日", columns=NEED_COLUMNS, rows=rows)
import threading
peak = [0]
def _rss(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
def _children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                kids.append(int(entry))
    return kids
done = threading.Event()
def _sample():
    me = os.getpid()
    while not done.is_set():
        peak[0] = max(peak[0], _rss(me) + sum(_rss(k) for k in _children(me)))
        time.sleep(0.05)
sampler = threading.Thread(target=_sample, daemon=True); sampler.start()
started = time.perf_counter()
if variant == "plain":
    from weasyprint import HTML
    html = pdf._html(doc, rows, first=True, last=True, page_numbers=True).replace("table-layout: fixed;", "")
    html = html.replace("<colgroup>", "<colgroup hidden>")
    document = HTML(string=html).render()
    data, pages = document.write_pdf(), len(document.pages)
else:
    data, pages = pdf.render_pdf(doc)
seconds = time.perf_counter() - started
done.set(); sampler.join()
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "pages": pages, "bytes": len(data), "peak_kib": max(peak[0], own)}))
"""


def _one(variant: str, rows: int, min_rows: int) -> dict:
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-c", _CHILD, variant, str(rows), str(min_rows)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=False)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(*, runs: int = 3) -> str:
    from tests.bench._size import tiny as tiny_size

    tiny = tiny_size()
    rows, min_rows, runs = (60, 20, 1) if tiny else (2000, 400, max(1, min(runs, 3)))
    results: dict[str, list[dict]] = {"plain": [], "ours": []}
    for _ in range(runs):  # interleaved, so both see the same machine load
        for variant in ("plain", "ours"):
            results[variant].append(_one(variant, rows, min_rows))
    med = {v: statistics.median(r["seconds"] for r in rs) for v, rs in results.items()}
    peak = {v: max(r["peak_kib"] for r in rs) / 1024 for v, rs in results.items()}
    pages = {v: rs[0]["pages"] for v, rs in results.items()}
    size = {v: rs[0]["bytes"] / 1024 for v, rs in results.items()}
    return "\n".join([
        f"{rows:,} rows, {runs} interleaved run(s) per variant, medians. Target: ours at least 3x faster, no more memory.",
        "",
        "| variant | time | pages | file | peak memory |",
        "|---|---|---|---|---|",
        f"| plain WeasyPrint (auto table layout, one process) | {med['plain']:.1f} s | {pages['plain']} | {size['plain']:.0f} KiB | {peak['plain']:.0f} MiB |",
        f"| ours (fixed layout, chunks in {os.cpu_count()} processes at a time, merged, stamped) | {med['ours']:.1f} s | {pages['ours']} | {size['ours']:.0f} KiB | {peak['ours']:.0f} MiB |",
        "",
        f"Speed-up: **{med['plain'] / med['ours']:.2f}x**; memory ratio ours/plain: {peak['ours'] / peak['plain']:.2f}.",
    ])
