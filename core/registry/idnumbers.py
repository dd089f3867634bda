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
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def id_check_char(first17: str) -> str:
    """The 18th character of a number whose first 17 digits are given (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def id_normalize(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


@dataclass(frozen=True)
class IdFacts:
    number: str
    birth_date: dt.date
    sex: str  # "male" / "female"


def id_parse(raw: str) -> IdFacts:
    """Validate a number and derive birth date and sex; ValidationError in Chinese / English."""
    number = id_normalize(raw)
    if not _SHAPE.match(number):
        raise ValidationError(
            "身份证号应为18位，前17位为数字，末位为数字或X / ID number: 18 characters, 17 digits then a digit or X"
        )
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError("身份证号校验位错误 / ID number checksum does not match")
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


def id_hash(number: str) -> str:
    """Keyed hash for look-up: equal numbers give equal hashes, the hash alone reveals nothing."""
    key = _derived_key("id-hash", settings.NUANDONG_ID_HASH_KEY)
    return hmac.new(key, id_normalize(number).encode(), hashlib.sha256).hexdigest()


def synthetic_id(region: str, birth: dt.date, sequence: int) -> str:
    """A checksum-valid synthetic number (demo data and tests; sequence 0..999)."""
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_char(first17)
