from django.core.management.base import BaseCommand

from tenants.services import platform_setup


class Command(BaseCommand):
    help = "Turn an empty database into a working, empty platform (idempotent)."

    def handle(self, *args, **options):
        result = platform_setup(verbosity=max(0, options["verbosity"] - 1))
        self.stdout.write(self.style.SUCCESS(f"platform ready ({result['seconds']} s)"))
