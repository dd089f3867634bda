"""Roster import of 10,000 persons: our import (row validation, services, audit, duplicate registry)
vs a plain baseline (read the same file, check the ID checksum, encrypt + hash, bulk insert)."""

from __future__ import annotations

import datetime as dt
import io
import random
import statistics
import time

from django.db import connection, transaction

TITLE = "Roster import: 10,000 persons"
PERSONS = 10_000


def _roster(grids) -> bytes:
    from openpyxl import Workbook

    from core.registry.idnumbers import synthetic_id
    from core.registry.roster import COLUMNS

    rng = random.Random(7)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append([h for h, _k, _r in COLUMNS])
    issued: set[str] = set()
    household, in_household, size = 0, 0, 0
    for _ in range(PERSONS):
        if in_household >= size:
            household, in_household, size = household + 1, 0, rng.choice([1, 2, 2, 3, 4])
            grid = grids[household % len(grids)]
        while True:
            number = synthetic_id(
                "140402", dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(27000)), rng.randrange(1000)
            )
            if number not in issued:
                issued.add(number)
                break
        values = {
            "户编号": f"H{household:05d}",
            "社区(村)": grid.community.name,
            "网格": grid.name,
            "住址": f"基准路{household}号",
            "姓名": f"人员{household}-{in_household}",
            "身份证号": number,
            "手机号码": f"139{rng.randrange(10**8):08d}",
            "与户主关系": "户主" if in_household == 0 else "子女",
            "对象类别": "城乡低保对象",
        }
        ws.append([values.get(h, "") for h, _k, _r in COLUMNS])
        in_household += 1
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue(), household


def _ours(content: bytes) -> tuple[float, int]:
    from core.registry.models import Person, RosterImport
    from core.registry.roster import roster_import_run

    office, grids, member, user = _office()
    run = RosterImport.objects.create(filename="bench.xlsx", content=content, created_by_user_id=user.pk)
    started = time.perf_counter()
    run = roster_import_run(run=run)
    elapsed = time.perf_counter() - started
    assert run.error_rows == 0, run.errors[:3]
    return elapsed, Person.objects.count()


def _baseline(content: bytes) -> tuple[float, int]:
    from openpyxl import load_workbook

    from core.registry.idnumbers import id_encrypt, id_hash, id_mask, id_parse
    from core.registry.models import Household, Person
    from core.registry.roster import COLUMNS

    office, grids, member, user = _office()
    by_name = {(g.community.name, g.name): g for g in grids}
    started = time.perf_counter()
    rows = load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True)
    header = next(rows)
    index = {key: header.index(h) for h, key, _r in COLUMNS}
    households: dict[str, Household] = {}
    persons = []
    for row in rows:
        grid = by_name[(row[index["community"]], row[index["grid"]])]
        key = row[index["number"]]
        if key not in households:
            households[key] = Household(
                number=key, community_id=grid.community_id, grid=grid, address=row[index["address"]]
            )
        facts = id_parse(row[index["id_number"]])
        persons.append(
            (
                key,
                Person(
                    name=row[index["name"]],
                    id_number_encrypted=id_encrypt(facts.number),
                    id_hash=id_hash(facts.number),
                    id_masked=id_mask(facts.number),
                    sex=facts.sex,
                    birth_date=facts.birth_date,
                    phone=str(row[index["phone"]]),
                    categories=["dibao"],
                ),
            )
        )
    with transaction.atomic():
        Household.objects.bulk_create(households.values(), batch_size=1000)
        for key, person in persons:
            person.household = households[key]
        Person.objects.bulk_create([p for _k, p in persons], batch_size=1000)
    elapsed = time.perf_counter() - started
    return elapsed, Person.objects.count()


def _office():
    from tests.bench._place import fresh_office

    return fresh_office("imp")


def run(*, runs: int) -> str:
    global PERSONS
    from tests.bench._size import sized

    PERSONS = sized(10_000, 30)
    runs = max(1, min(runs, 3))  # each run imports 10,000 rows into a fresh street office
    _office_, grids, _m, _u = _office()
    content, households = _roster(grids)
    times: dict[str, list[float]] = {"ours": [], "baseline": []}
    for _ in range(runs):
        for variant, fn in (("baseline", _baseline), ("ours", _ours)):
            elapsed, count = fn(content)
            assert count == PERSONS, (variant, count)
            times[variant].append(elapsed)
            print(f"  {variant}: {elapsed:.1f} s", flush=True)
        connection.set_schema_to_public()
    ours, base = statistics.median(times["ours"]), statistics.median(times["baseline"])
    return (
        f"One .xlsx of {PERSONS:,} persons in {households:,} households ({len(content) // 1024} KB), "
        f"imported into a fresh street office; {runs} interleaved runs per variant.\n\n"
        "| variant | median | rows/s | vs baseline |\n|---|---|---|---|\n"
        f"| ours: `roster_import_run` (every row validated, households matched, `person_register` with duplicate "
        f"check, public hash claim and audit event per row, progress saved every 50 rows) | {ours:.1f} s | "
        f"{PERSONS / ours:,.0f} | {ours / base:.1f}× |\n"
        f"| baseline: read the file, check checksum, encrypt + hash, `bulk_create` (no audit, no duplicate or "
        f"scope checks, all-or-nothing) | {base:.1f} s | {PERSONS / base:,.0f} | 1.0× |\n\n"
        f"**Ours takes {ours / base:.1f}× the plain bulk insert** — the price of per-row errors, idempotent "
        f"re-import, the cross-street duplicate registry and one audit event per change (about 15 statements "
        f"per row). It runs in a Celery worker with a progress bar, so the user never waits on a request. "
        f"django-tenants re-sends `SET search_path` before every statement; with `TENANT_LIMIT_SET_CALLS = True` "
        f"a row took about half the time in a quick check (not enabled: a platform-wide setting)."
    )
