from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tenants.management.commands._provisioning import raise_clear
from tenants.models import District, StreetOffice
from tenants.roles import ROLES
from tenants.services import membership_grant, user_create


class Command(BaseCommand):
    help = "Users: `user create --username U --password P [--full-name N] [--mobile M] --role ROLE (--tenant SLUG | --district CODE)`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create")
        create.add_argument("--username", required=True)
        create.add_argument("--password", required=True)
        create.add_argument("--full-name", default="")
        create.add_argument("--mobile", default="")
        create.add_argument("--role", required=True, choices=ROLES)
        where = create.add_mutually_exclusive_group(required=True)
        where.add_argument("--tenant")
        where.add_argument("--district")
        create.add_argument("--community-id", type=int)
        create.add_argument("--grid-id", type=int)

    def handle(self, *args, **options):
        office = district = None
        if options["tenant"]:
            office = StreetOffice.objects.filter(slug=options["tenant"]).first()
            if office is None:
                raise CommandError(f"tenant: 街道 {options['tenant']} 不存在 / unknown street office")
        else:
            district = District.objects.filter(code=options["district"]).first()
            if district is None:
                raise CommandError(f"district: 区划代码 {options['district']} 不存在 / unknown district")
        try:
            with transaction.atomic():
                user = user_create(
                    username=options["username"],
                    password=options["password"],
                    full_name=options["full_name"],
                    mobile=options["mobile"],
                )
                membership_grant(
                    user=user,
                    role=options["role"],
                    district=district,
                    street_office=office,
                    community_id=options["community_id"],
                    grid_id=options["grid_id"],
                )
        except ValidationError as exc:
            raise_clear(exc)
        self.stdout.write(self.style.SUCCESS(f"user {user.username} created as {options['role']}"))
