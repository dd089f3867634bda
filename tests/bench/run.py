"""Benchmark runner: ``./deploy/dev bench [name ...] [--runs N] [--no-write] [--tiny]``.

Each benchmark is one module in this folder with ``TITLE`` and ``run(*, runs) -> str`` (a
markdown body). The runner gives it a throw-away database (``<your database>_bench``, dropped
afterwards) that `nuandong setup` has prepared, then rewrites the benchmark's own section of
docs/benchmarks.md, between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``.

To add a benchmark: drop ``tests/bench/<name>.py`` here and list it in ``BENCHMARKS``; take its
data sizes from ``tests.bench._size.sized(full, tiny)`` so that ``--tiny`` (what ``.ci/run`` uses:
one run per variant on a few rows, nothing written) proves it still runs, never how fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "benchmarks.md"
BENCHMARKS = ["tenant_create", "roster_import", "coverage_query", "grid_pages", "deadlines", "visit_load", "report_pdf", "district_rollup"]


def bench_database_url() -> tuple[str, str]:
    """(URL of the bench database, URL of the maintenance database) on the configured server."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        from nuandong.embedded import embedded_postgres_url

        var_dir = Path(os.environ.get("NUANDONG_VAR_DIR", ROOT / "var"))
        url = embedded_postgres_url(var_dir)
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "nuandong"
    return urlunsplit(parts._replace(path=f"/{name}_bench")), urlunsplit(parts._replace(path="/postgres"))


def recreate_database(bench_url: str, maintenance_url: str, *, drop_only: bool = False) -> None:
    import psycopg

    name = urlsplit(bench_url).path.lstrip("/")
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
        ).stdout
        commit += "+changes" if dirty.strip() else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · commit {commit} · {platform.machine()} × {os.cpu_count()} CPUs "
        f"(load {load:.1f}) · Python {platform.python_version()} · PostgreSQL {pg}"
    )


def write_section(name: str, title: str, body: str) -> None:
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    section = f"{start}\n## {title}\n\n{body.strip()}\n{end}"
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n\nRe-run all: `./deploy/dev bench`.\n"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    text = (
        pattern.sub(lambda _m: section, text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + section + "\n"
    )
    DOCS.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./deploy/dev bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "names", nargs="*", choices=[[], *BENCHMARKS], help="benchmarks to run (default: all)"
    )
    parser.add_argument("--runs", type=int, default=7, help="measurements per variant (median reported)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument(
        "--tiny", action="store_true", help="every benchmark on a few rows, 1 run, nothing written (CI: it runs)"
    )
    args = parser.parse_args(argv)
    names = args.names or BENCHMARKS
    sys.path.insert(0, str(ROOT))
    if args.tiny:
        from tests.bench._size import ENV

        os.environ[ENV] = "1"
        args.runs, args.no_write = 1, True

    from nuandong import cli

    cli._ensure_secret_key()
    embedded_redis = not os.environ.get("REDIS_URL")  # settings start one; stop it when done
    bench_url, maintenance_url = bench_database_url()
    recreate_database(bench_url, maintenance_url)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuandong.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("setup")
        for name in names:
            module = importlib.import_module(f"tests.bench.{name}")
            started = time.monotonic()
            print(f"== {name}: {module.TITLE} ({args.runs} runs per variant)", flush=True)
            body = module.run(runs=args.runs)
            body += f"\n\nMeasured {machine()}; took {time.monotonic() - started:.0f} s.\n"
            body += (
                f"Re-run: `./deploy/dev bench {name}` (or `.venv/bin/python tests/bench/run.py {name}`).\n"
            )
            print(body)
            if not args.no_write:
                write_section(name, module.TITLE, body)
                print(f"-> {DOCS.relative_to(ROOT)}")
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(bench_url, maintenance_url, drop_only=True)
        if embedded_redis:
            from nuandong.embedded import embedded_redis_stop

            embedded_redis_stop(Path(os.environ.get("NUANDONG_VAR_DIR", ROOT / "var")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
