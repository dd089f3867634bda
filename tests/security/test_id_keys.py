"""ID keys are their own settings and rotate (`nuandong id_keys rotate`), issue 10 §10."""

from __future__ import annotations

import base64
import secrets

from cryptography.fernet import Fernet, InvalidToken
from django.test import override_settings

from core.registry.idnumbers import _derived_key, id_hash
from core.registry.management.commands.id_keys import rotate_street
from core.registry.services import person_find_by_id
from tenants.models import IdHashClaim
from tests.registry_places import make_household


def test_rotation_re_encrypts_and_re_hashes_every_number_and_the_district_claims(org_a, in_street):
    import pytest

    household = make_household(org_a, persons=2)
    persons = list(household.persons.all())
    before = {p.pk: (p.id_number_encrypted, p.id_hash) for p in persons}
    from core.registry.idnumbers import id_decrypt

    numbers = {p.pk: id_decrypt(p.id_number_encrypted) for p in persons}
    old_key = base64.urlsafe_b64encode(_derived_key("id-encryption", "")).decode()
    new_key, new_hash_key = Fernet.generate_key().decode(), secrets.token_urlsafe(48)

    with override_settings(
        NUANDONG_ID_ENCRYPTION_KEY=new_key, NUANDONG_ID_ENCRYPTION_OLD_KEYS=[old_key], NUANDONG_ID_HASH_KEY=new_hash_key
    ):
        rotated = rotate_street(org_a.office)
        for person in household.persons.all():
            assert Fernet(new_key.encode()).decrypt(person.id_number_encrypted.encode()).decode() == numbers[person.pk]
            assert person.id_hash == id_hash(numbers[person.pk]) != before[person.pk][1]
            assert person_find_by_id(numbers[person.pk]).pk == person.pk
            assert IdHashClaim.objects.filter(street_office=org_a.office, id_hash=person.id_hash).exists()
        assert rotated >= 2
        with pytest.raises(InvalidToken):  # the old key no longer opens the new ciphertext
            Fernet(old_key.encode()).decrypt(household.persons.first().id_number_encrypted.encode())
