import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.management.commands._provisioning import raise_clear
from tenants.models import District
from tenants.services import street_office_create


class Command(BaseCommand):
    help = "Street offices: `tenant create --district CODE --slug SLUG --name NAME [--domain D] [--code C]`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create")
        create.add_argument("--district", required=True)
        create.add_argument("--slug", required=True)
        create.add_argument("--name", required=True)
        create.add_argument("--domain")
        create.add_argument("--code", default="")

    def handle(self, *args, **options):
        district = District.objects.filter(code=options["district"]).first()
        if district is None:
            raise CommandError(f"district: 区划代码 {options['district']} 不存在 / unknown district")
        started = time.monotonic()
        try:
            office = street_office_create(
                district=district,
                slug=options["slug"],
                name=options["name"],
                domain=options["domain"],
                code=options["code"],
            )
        except ValidationError as exc:
            raise_clear(exc)
        domain = office.get_primary_domain().domain
        self.stdout.write(
            self.style.SUCCESS(
                f"street office {office.slug} ({office.name}) at {domain} in {time.monotonic() - started:.2f} s"
            )
        )
