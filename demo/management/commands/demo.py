from django.core.management.base import BaseCommand

from demo.loader import demo_load


class Command(BaseCommand):
    help = "Load the demo district, street offices and accounts once (synthetic people only)."

    def handle(self, *args, **options):
        if demo_load():
            self.stdout.write(self.style.SUCCESS("demo data loaded"))
        else:
            self.stdout.write("demo data already present")
