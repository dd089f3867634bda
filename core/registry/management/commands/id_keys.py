"""`nuandong id_keys generate` prints new ID keys; `nuandong id_keys rotate` moves every street's
resident ID numbers to the configured keys.

Rotation (docs/security.md): set the new ``NUANDONG_ID_ENCRYPTION_KEY``, keep the previous one in
``NUANDONG_ID_ENCRYPTION_OLD_KEYS`` (and set a new ``NUANDONG_ID_HASH_KEY`` if that one rotates
too), restart, run ``id_keys rotate``, then drop the old key. Each street is re-encrypted and
re-hashed in one transaction and audited; running it again changes nothing that matters.
"""

from __future__ import annotations

import secrets

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import tenant_context

from core.audit.services import audit_record
from core.registry.idnumbers import id_decrypt, id_encrypt, id_hash
from core.registry.models import Person
from tenants.models import IdHashClaim, StreetOffice


def rotate_street(office: StreetOffice) -> int:
    """Re-encrypt and re-hash every ID number of one street office; returns the persons rewritten."""
    with tenant_context(office), transaction.atomic():
        persons = list(Person.objects.exclude(id_number_encrypted="").select_for_update())
        for person in persons:
            number = id_decrypt(person.id_number_encrypted)
            person.id_number_encrypted = id_encrypt(number)
            person.id_hash = id_hash(number)
        Person.objects.bulk_update(persons, ["id_number_encrypted", "id_hash"], batch_size=500)
        IdHashClaim.objects.filter(street_office=office).delete()
        if office.district_id is not None:
            IdHashClaim.objects.bulk_create(
                [
                    IdHashClaim(street_office=office, id_hash=p.id_hash, district_id=office.district_id, person_id=p.pk)
                    for p in persons
                    if p.is_active
                ],
                batch_size=500,
            )
        audit_record(actor=None, action="id_keys.rotated", object_type="street_office", object_id=office.pk,
                     after={"persons": len(persons)})
        return len(persons)


class Command(BaseCommand):
    help = "ID number keys: `id_keys generate` prints new keys; `id_keys rotate` re-encrypts and re-hashes."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("generate")
        sub.add_parser("rotate")

    def handle(self, *args, **options):
        if options["verb"] == "generate":
            self.stdout.write(f"NUANDONG_ID_ENCRYPTION_KEY={Fernet.generate_key().decode()}")
            self.stdout.write(f"NUANDONG_ID_HASH_KEY={secrets.token_urlsafe(48)}")
            return
        total = 0
        for office in StreetOffice.objects.exclude(schema_name="public").order_by("pk"):
            count = rotate_street(office)
            total += count
            self.stdout.write(f"{office.slug}: {count}")
        self.stdout.write(self.style.SUCCESS(f"rotated {total} ID numbers"))
