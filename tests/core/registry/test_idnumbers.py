import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.registry.idnumbers import (
    id_check_char,
    id_decrypt,
    id_encrypt,
    id_hash,
    id_mask,
    id_parse,
    synthetic_id,
)


def test_known_valid_number_parses_with_birth_date_and_sex():
    # GB 11643 example number (published in the standard's annex).
    facts = id_parse("11010519491231002X")
    assert facts.birth_date == dt.date(1949, 12, 31)
    assert facts.sex == "female"


def test_bad_checksum_is_refused_in_chinese():
    with pytest.raises(ValidationError) as exc:
        id_parse("110105194912310021")
    assert "校验位错误" in exc.value.messages[0]


@pytest.mark.parametrize("raw", ["", "1101051949123100", "11010519491331002X", "ABCDEFGHIJKLMNOPQR"])
def test_malformed_numbers_are_refused(raw):
    with pytest.raises(ValidationError):
        id_parse(raw)


def test_synthetic_ids_are_valid_and_male_for_odd_sequence():
    number = synthetic_id("140402", dt.date(1960, 1, 2), 13)
    assert number[17] == id_check_char(number[:17])
    assert id_parse(number).sex == "male"


def test_mask_encrypt_and_hash():
    number = "11010519491231002X"
    assert id_mask(number) == "110105**********2X"  # keeps two: the birth date never shows (docs/security.md)
    token = id_encrypt(number)
    assert number not in token and id_decrypt(token) == number
    assert id_hash(number) == id_hash(" 11010519491231002x ") and len(id_hash(number)) == 64
    assert number not in id_hash(number)
