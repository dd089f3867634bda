from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from tenants.management.commands._provisioning import raise_clear
from tenants.services import district_create


class Command(BaseCommand):
    help = "Districts: `district create --code CODE --name NAME`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create")
        create.add_argument("--code", required=True)
        create.add_argument("--name", required=True)

    def handle(self, *args, **options):
        try:
            district = district_create(code=options["code"], name=options["name"])
        except ValidationError as exc:
            raise_clear(exc)
        self.stdout.write(self.style.SUCCESS(f"district {district.code} {district.name} created"))
