"""The campaign's inspection window (全面排查阶段). ONE function answers it, so the district
campaign model can take over without touching any caller."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

LOCAL = ZoneInfo("Asia/Shanghai")


def inspection_window(district=None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in aware datetimes: local midnight of the first day to local midnight after the last."""
    first, last = (dt.date.fromisoformat(d) for d in settings.NUANDONG_INSPECTION_WINDOW)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=LOCAL)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=LOCAL)
    return start, end
