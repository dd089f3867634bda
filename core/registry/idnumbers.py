"""Resident ID numbers (居民身份证号码, GB 11643-1999): checksum, derived facts, protection.

The number is never stored in clear: ``id_encrypt`` (Fernet) keeps it recoverable for roles
that may see it, ``id_hash`` (HMAC-SHA256, one key per deployment) finds duplicates within a
street and across the district, ``id_mask`` is what everybody else sees.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def id_check_char(first17: str) -> str:
    """The 18th character of a number whose first 17 digits are given (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


# Characters that a copy from Word, a web page or a phone keyboard puts inside a number unseen.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
ID_LENGTH = 18
# Longest raw input a form or the API accepts for a number (spaces and separators are removed).
ID_INPUT_MAX_LENGTH = 40


def id_normalize(raw: str) -> str:
    """The one normal form of a typed or pasted ID number, used by web forms, the API and the import.

    NFKC (full-width ``１４０４…`` and ``Ｘ`` become ASCII), every kind of white space and invisible
    character removed, ``x`` upper-cased. Nothing else is changed: a wrong number stays wrong and
    ``id_parse`` says what is wrong with it.
    """
    text = unicodedata.normalize("NFKC", str(raw or "")).translate(_INVISIBLE)
    return re.sub(r"\s+", "", text).upper()


def id_problem(number: str) -> str:
    """What is wrong with a normalised number, as "中文 / English", or "" when its shape and check
    character are right (the birth date is checked by ``id_parse``)."""
    if len(number) != ID_LENGTH:
        return (
            f"身份证号应为18位，现为{len(number)}位 / ID number: 18 characters expected, {len(number)} given"
        )
    for position, char in enumerate(number[:17], start=1):
        if not char.isascii() or not char.isdigit():
            return (
                f"身份证号第{position}位“{char}”不是数字（前17位须为数字）"
                f" / ID number: character {position} is not a digit"
            )
    if not (number[17].isascii() and (number[17].isdigit() or number[17] == "X")):
        return f"身份证号末位“{number[17]}”应为数字或X / ID number: the last character must be a digit or X"
    if id_check_char(number[:17]) != number[17]:
        return "身份证号校验位错误，请逐位核对号码是否抄错 / ID number checksum does not match (check for a typo)"
    return ""


@dataclass(frozen=True)
class IdFacts:
    number: str
    birth_date: dt.date
    sex: str  # "male" / "female"


def id_parse(raw: str) -> IdFacts:
    """Validate a number and derive birth date and sex; ValidationError in Chinese / English."""
    number = id_normalize(raw)
    problem = id_problem(number)
    if problem:
        raise ValidationError(problem)
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError("身份证号中的出生日期无效 / ID number holds an invalid birth date") from None
    if birth.year < 1890 or birth > dt.date.today():
        raise ValidationError("身份证号中的出生日期无效 / ID number holds an invalid birth date")
    return IdFacts(number=number, birth_date=birth, sex="male" if int(number[16]) % 2 else "female")


# What a mask keeps: the region code (the street's own, known to everybody there) and the last two
# characters. The birth date and the first two sequence digits stay hidden, so that together with
# what every role is shown beside it (sex, age in whole years — never the birth date, see
# core.registry.privacy) at least ~3,000 numbers remain possible (issue 10 §2).
MASK_HEAD, MASK_TAIL = 6, 2


def id_mask(number: str) -> str:
    """``140402**********34``: region code and the last two characters only."""
    if len(number) != 18:
        return ""
    return f"{number[:MASK_HEAD]}{'*' * (18 - MASK_HEAD - MASK_TAIL)}{number[-MASK_TAIL:]}"


def _derived_key(purpose: str, configured: str) -> bytes:
    """The configured key, or — on a development machine only, where settings allow it — one
    derived from SECRET_KEY. Production refuses to start without its own keys (nuandong.security_settings)."""
    if configured:
        return configured.encode()
    return hashlib.sha256(f"nuandong:{purpose}:{settings.SECRET_KEY}".encode()).digest()


@lru_cache(maxsize=4)
def _fernet(current: str, old: tuple[str, ...], secret: str) -> MultiFernet:
    """Encrypts with the current key; decrypts with the current or any old key (rotation)."""
    first = Fernet(current.encode()) if current else Fernet(base64.urlsafe_b64encode(_derived_key("id-encryption", "")))
    return MultiFernet([first, *(Fernet(key.encode()) for key in old)])


def id_cipher() -> MultiFernet:
    return _fernet(
        settings.NUANDONG_ID_ENCRYPTION_KEY,
        tuple(getattr(settings, "NUANDONG_ID_ENCRYPTION_OLD_KEYS", ())),
        settings.SECRET_KEY,
    )


def id_encrypt(number: str) -> str:
    return id_cipher().encrypt(number.encode()).decode()


def id_decrypt(token: str) -> str:
    return id_cipher().decrypt(token.encode()).decode()


def file_encrypt(content: bytes) -> bytes:
    """Encrypt an uploaded file that holds ID numbers (a roster waiting for its import), same key."""
    return id_cipher().encrypt(content)


def file_decrypt(token: bytes) -> bytes:
    return id_cipher().decrypt(bytes(token))


def id_hash(number: str) -> str:
    """Keyed hash for look-up: equal numbers give equal hashes, the hash alone reveals nothing."""
    key = _derived_key("id-hash", settings.NUANDONG_ID_HASH_KEY)
    return hmac.new(key, id_normalize(number).encode(), hashlib.sha256).hexdigest()


def synthetic_id(region: str, birth: dt.date, sequence: int) -> str:
    """A checksum-valid synthetic number (demo data and tests; sequence 0..999)."""
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_char(first17)
