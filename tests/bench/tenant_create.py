"""Street office creation: our copy of the migrated template schema vs django-tenants' two ways
(its generic ``clone_schema`` function, and its default: CREATE SCHEMA then every tenant migration)."""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager
from unittest import mock

from django.db import connection
from django.test import override_settings

TITLE = "Street office creation (tenant create)"
VARIANTS = {
    "ours": "copy of `tenant_template` (`tenants/cloning.py`, what `tenant create` does)",
    "dt_clone": "django-tenants `clone_schema` of `tenant_template` + faked migrations",
    "dt_migrate": "django-tenants default: `CREATE SCHEMA` + `migrate_schemas`",
}


@contextmanager
def _strategy(variant: str):
    if variant == "ours":
        yield
    elif variant == "dt_clone":
        with mock.patch("tenants.cloning.schema_clone", return_value=False):  # fall back to django-tenants
            yield
    else:
        with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
            yield


def _create(slug: str, variant: str) -> float:
    from tenants.models import District
    from tenants.services import street_office_create

    district = District.objects.get(code="149999")
    with _strategy(variant):
        started = time.perf_counter()
        office = street_office_create(district=district, slug=slug, name=f"测速{slug}")
        elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", [office.schema_name]
        )
        assert cursor.fetchone()[0] > 0, "schema has no tables"
    return elapsed


def _tenant_shape() -> tuple[int, int]:
    from django.conf import settings

    template = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", [template])
        tables = cursor.fetchone()[0]
        cursor.execute(f'SELECT count(*) FROM "{template}".django_migrations')
        migrations = cursor.fetchone()[0]
    return tables, migrations


def run(*, runs: int) -> str:
    from tenants.services import district_create

    district_create(code="149999", name="测速区")
    for variant in VARIANTS:  # first use of each code path, not measured
        _create(f"warmup-{variant.replace('_', '-')}", variant)
    times: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    for i in range(runs):  # interleaved, so load on a shared machine hits every variant alike
        for variant in VARIANTS:
            times[variant].append(_create(f"{variant.replace('_', '-')}-{i}", variant))
        print("  run", i + 1, ", ".join(f"{v} {t[-1] * 1000:.0f} ms" for v, t in times.items()), flush=True)
    tables, migrations = _tenant_shape()
    median = {variant: statistics.median(values) for variant, values in times.items()}

    lines = [
        "Creating one street office end to end (`street_office_create`: validation, row, schema, domain, "
        f"audit record, one transaction) — {runs} interleaved runs per variant after a warm-up; the tenant "
        f"schema has {tables} tables from {migrations} applied migrations.",
        "",
        "| schema created by | median | fastest | slowest | vs ours |",
        "|---|---|---|---|---|",
    ]
    for variant, label in VARIANTS.items():
        values = times[variant]
        lines.append(
            f"| {label} | {median[variant] * 1000:.0f} ms | {min(values) * 1000:.0f} ms | "
            f"{max(values) * 1000:.0f} ms | {median[variant] / median['ours']:.1f}× |"
        )
    lines += [
        "",
        f"**Ours is {median['dt_migrate'] / median['ours']:.1f}× faster than django-tenants' default creation** "
        f"and {median['dt_clone'] / median['ours']:.1f}× faster than its `clone_schema` (ratios of medians). "
        "Migrating replays every migration, so its cost grows with each one added; the copy grows only "
        "with the number of tables.",
    ]
    return "\n".join(lines)
