"""Visit POSTs from 50 grid workers at once through a real gunicorn: today's connection settings vs
the new ones (docs/adr/0015-search-path-and-connections.md), side by side in one run.

Each grid worker (own account, own grid, own token) sends ``POST /api/v1/visits/`` for the
households of its grid in a loop, on its own keep-alive connection, until the phase's time is up.
Phases alternate (old, new, old, new) on the same data so load on the shared machine hits both.
After every phase the visits saved in the database are counted: they must equal the 201 answers.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

TITLE = "Visit POST under load: 50 grid workers at once, old vs new connection handling"
ROOT = Path(__file__).resolve().parents[2]
VARIANTS = {
    "old": (
        "today's settings: django-tenants' backend (`SET search_path` before every statement), "
        "a new PostgreSQL connection per request (`CONN_MAX_AGE=0`)",
        {"NUANDONG_DB_ENGINE": "django_tenants.postgresql_backend", "NUANDONG_CONN_MAX_AGE": "0"},
    ),
    "new": (
        "new settings: `nuandong.db_backend` (`SET` only when the path differs), persistent connections",
        {"NUANDONG_DB_ENGINE": "nuandong.db_backend", "NUANDONG_CONN_MAX_AGE": "300"},
    ),
}
GUNICORN = ["-w", "2", "--threads", "8"]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _data(workers: int, households_per_grid: int):
    """One street office: ``workers`` grids, each with its grid worker and households."""
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from core.org.models import Grid
    from core.registry.models import Household
    from tenants.models import User
    from tenants.services import membership_grant
    from tests.bench._place import fresh_office

    office, grids, _member, _user = fresh_office("load", communities=1, grids_per_community=1)
    community = grids[0].community
    grids += [Grid.objects.create(community=community, name=f"网格{g + 2}") for g in range(workers - 1)]
    Household.objects.bulk_create(
        [
            Household(community=community, grid=grid, address=f"测速路{g + 1}号{h + 1}室", phone="13900000000")
            for g, grid in enumerate(grids)
            for h in range(households_per_grid)
        ]
    )
    connection.set_schema_to_public()
    tokens = []
    for g, grid in enumerate(grids):
        # Accounts made directly (a bench user needs no password check): one per grid worker.
        user, _ = User.objects.get_or_create(username=f"load_grid_{g}", defaults={"first_name": f"网格员{g}"})
        membership_grant(user=user, role="grid_worker", street_office=office, community_id=community.pk, grid_id=grid.pk)
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    connection.set_tenant(office)
    by_grid = {}
    for pk, grid_id in Household.objects.values_list("pk", "grid_id"):
        by_grid.setdefault(grid_id, []).append(pk)
    households = [by_grid[grid.pk] for grid in grids]
    connection.set_schema_to_public()
    return office, tokens, households


def _serve(port: int, env_extra: dict) -> subprocess.Popen:
    from django.conf import settings

    (ROOT / "var").mkdir(exist_ok=True)
    log = open(ROOT / "var" / f"bench-load-{port}.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "nuandong.wsgi", "--no-control-socket", "-b", f"127.0.0.1:{port}",
         *GUNICORN],
        env={**os.environ, **env_extra}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    probe = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": settings.BASE_DOMAIN})
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(probe, timeout=2)
            return proc
        except Exception:  # noqa: BLE001
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("bench server did not start") from None
            time.sleep(0.3)


def _worker(port: int, host: str, token: str, households: list[int], items: list[dict], until: float, out: dict):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, accepted, errors, i = [], 0, 0, 0
    while time.monotonic() < until:
        body = json.dumps({"household": households[i % len(households)], "kind": "home", "items": items})
        i += 1
        started = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/visits/", body=body, headers={
                "Host": host, "Authorization": f"Token {token}", "Content-Type": "application/json",
                "Idempotency-Key": str(uuid.uuid4()),
            })
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies.append(time.perf_counter() - started)
        if status == 201:
            accepted += 1
        else:
            errors += 1
    conn.close()
    out.update(latencies=latencies, accepted=accepted, errors=errors)


def _saved_visits(office) -> int:
    from django_tenants.utils import tenant_context

    from core.inspections.models import Visit

    with tenant_context(office):
        return Visit.objects.count()


def _phase(variant: str, office, tokens, households, seconds: float) -> dict:
    from core.inspections.checklist import CHECKLIST

    items = [{"item": i.code, "result": "ok"} for i in CHECKLIST]
    host = office.domains.get(is_primary=True).domain
    port = _free_port()
    proc = _serve(port, VARIANTS[variant][1])
    before = _saved_visits(office)
    try:
        # one request per worker first (imports, first connections): not measured
        warm: dict = {}
        _worker(port, host, tokens[0], households[0], items, time.monotonic() + 0.5, warm)
        before = _saved_visits(office)
        outs = [{} for _ in tokens]
        started = time.monotonic()
        until = started + seconds
        threads = [
            threading.Thread(target=_worker, args=(port, host, token, hh, items, until, out))
            for token, hh, out in zip(tokens, households, outs, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        proc.terminate()
        proc.wait(30)
    latencies = sorted(x for out in outs for x in out["latencies"])
    accepted = sum(out["accepted"] for out in outs)
    return {
        "elapsed": elapsed,
        "accepted": accepted,
        "errors": sum(out["errors"] for out in outs),
        "saved": _saved_visits(office) - before,
        "latencies": latencies,
    }


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run(*, runs: int) -> str:
    from tests.bench._size import sized

    workers = sized(50, 4)
    seconds = float(sized(15, 2))
    rounds = 1 if runs <= 1 else 2
    office, tokens, households = _data(workers, sized(10, 2))
    merged: dict[str, dict] = {v: {"elapsed": 0.0, "accepted": 0, "errors": 0, "saved": 0, "latencies": []}
                               for v in VARIANTS}
    for r in range(rounds):
        for variant in VARIANTS:
            result = _phase(variant, office, tokens, households, seconds)
            for key in ("elapsed", "accepted", "errors", "saved"):
                merged[variant][key] += result[key]
            merged[variant]["latencies"] += result["latencies"]
            print(f"  round {r + 1} {variant}: {result['accepted']} accepted, {result['errors']} errors, "
                  f"{result['saved']} saved in {result['elapsed']:.1f} s", flush=True)
    rows, stats = [], {}
    for variant, (label, _env) in VARIANTS.items():
        m = merged[variant]
        m["latencies"].sort()
        rate = m["accepted"] / m["elapsed"] if m["elapsed"] else 0.0
        stats[variant] = (rate, _pct(m["latencies"], 95))
        rows.append(
            f"| {label} | {rate:.1f}/s | {_pct(m['latencies'], 50) * 1000:.0f} ms | "
            f"{_pct(m['latencies'], 95) * 1000:.0f} ms | {_pct(m['latencies'], 99) * 1000:.0f} ms | "
            f"{m['errors']} | {m['saved']:,} = {m['accepted']:,} accepted: "
            f"{'yes' if m['saved'] == m['accepted'] else '**NO**'} |"
        )
    (old_rate, old_p95), (new_rate, new_p95) = stats["old"], stats["new"]
    throughput = new_rate / old_rate if old_rate else float("nan")
    p95 = new_p95 / old_p95 if old_p95 else float("nan")
    return (
        f"{workers} grid workers (own account, grid and token each; {len(households[0])} households per grid) "
        f"send `POST /api/v1/visits/` (the whole checklist) in a loop on keep-alive connections to a real "
        f"gunicorn on 127.0.0.1 (`{' '.join(GUNICORN)}`), {seconds:.0f} s per phase, phases alternating "
        f"old/new {rounds}× on the same data; the client threads run on the same 2 CPUs as the server and "
        "PostgreSQL. Saved rows are counted in the database after each phase.\n\n"
        "| settings | throughput (accepted visits) | p50 | p95 | p99 | errors | saved = accepted |\n"
        "|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
        f"**New settings: {throughput:.2f}× the throughput of today's, p95 {p95:.2f}× of today's** "
        "(target: >= 2× the throughput, p95 halved)."
    )
