"""What a role may see about a person beside the masked ID number (issue 10 §2).

A role without ``person.view_full_id`` must not be able to work the number out from everything
shown together: the mask (``core.registry.idnumbers.id_mask``) hides the birth date and two
sequence digits, so such roles see the age in whole years instead of the birth date. Pages, the
API, exports and reports all ask ``shows_birth_date``.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def shows_birth_date(member) -> bool:
    """Whether this member may see birth dates (the same right as seeing the full ID number)."""
    return member is not None and member.can("person.view_full_id")


def age_on(birth: dt.date | None, today: dt.date) -> int | None:
    """Age in whole years on ``today`` (None without a birth date)."""
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def age_now(birth: dt.date | None, now: dt.datetime | None = None) -> int | None:
    """Age in whole years today in Beijing time (``now`` injectable)."""
    return age_on(birth, timezone.localdate(now or timezone.now()))
