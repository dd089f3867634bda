"""The campaign's inspection window (全面排查阶段) as aware datetimes, for coverage queries.

The dates come from the district's campaign (``campaign_inspection_window``, set by the district
admin on the campaign page); this module only turns them into a half-open [start, end) range.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")


def inspection_window(district) -> tuple[dt.datetime, dt.datetime]:
    """[start, end): local midnight of the first day to local midnight after the last."""
    from core.campaigns.services import campaign_inspection_window

    first, last = campaign_inspection_window(district)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=LOCAL)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=LOCAL)
    return start, end
