from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from core.rollup.services import rollup_rebuild


class Command(BaseCommand):
    help = "District rollup: `rollup rebuild [--street SLUG]` recomputes today's figures now."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        rebuild = sub.add_parser("rebuild", help="recompute every street office (or one) now")
        rebuild.add_argument("--street", default="", help="slug of one street office")

    def handle(self, *args, **options):
        from tenants.models import StreetOffice

        with schema_context("public"):
            try:
                slugs = rollup_rebuild(slug=options["street"] or None)
            except StreetOffice.DoesNotExist:
                raise CommandError(f"no street office with slug {options['street']!r}") from None
        self.stdout.write(self.style.SUCCESS(f"rollup rebuilt for {len(slugs)} street office(s): {', '.join(slugs)}"))
