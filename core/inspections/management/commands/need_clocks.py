"""`nuandong need_clocks backfill [--street SLUG]`: open needs recorded before needs had clocks get one.

A command, not a data migration: a clock's deadline comes from the district's policy and calendar
(public schema) through the clock engine (``clock_start``, audited, provisional years told), which a
migration's historical models cannot call without copying the engine. Idempotent: run it after
deploying, and again at any time; a second run starts nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from core.inspections.services import need_clocks_backfill
from tenants.models import PUBLIC_SCHEMA, StreetOffice


class Command(BaseCommand):
    help = "Needs without a clock: `need_clocks backfill [--street SLUG]` starts the clock each should have."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        backfill = sub.add_parser("backfill")
        backfill.add_argument("--street", help="only this street office (slug)")

    def handle(self, *args, **options):
        offices = StreetOffice.objects.exclude(schema_name=PUBLIC_SCHEMA).order_by("pk")
        if options.get("street"):
            offices = offices.filter(slug=options["street"])
            if not offices.exists():
                raise CommandError(f"no street office {options['street']!r}")
        total = 0
        for office in offices:
            with tenant_context(office):
                started = need_clocks_backfill()
            total += len(started)
            self.stdout.write(f"{office.slug}: {len(started)}")
        self.stdout.write(self.style.SUCCESS(f"started {total} need clocks"))
