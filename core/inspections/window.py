"""The campaign's inspection window (全面排查阶段) and what coverage means around it (ADR 0016).

The dates come from the district's campaign (set by the district admin on the campaign page); this
module turns them into half-open [start, end) ranges of aware datetimes and says where ``now`` is:

- a household is **covered** once it has a qualifying visit (入户核查; 电话随访 only for a household
  registered as phone-only with a reason) at or after the phase's start and before the campaign's
  end — the plan keeps tracking households all winter (持续跟踪、动态更新);
- it was covered **on time** when such a visit fell inside the phase;
- **late** when it was registered before the phase ended but first covered after it (counted as
  late, never as missing);
- **added late** (期后新增) when it was registered after the phase ended: it can only be covered,
  never on time, and does not count in the on-time rate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

LOCAL = ZoneInfo("Asia/Shanghai")

BEFORE, DURING, AFTER, CLOSED = "before", "during", "after", "closed"
STATE_LABELS = {
    BEFORE: _("排查期未开始"),
    DURING: _("排查期进行中"),
    AFTER: _("排查期已结束，持续跟踪中"),
    CLOSED: _("本次行动已结束"),
}


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=LOCAL)


def inspection_window(district) -> tuple[dt.datetime, dt.datetime]:
    """[start, end): local midnight of the first day to local midnight after the last."""
    from core.campaigns.services import campaign_inspection_window

    first, last = campaign_inspection_window(district)
    return _midnight(first), _midnight(last + dt.timedelta(days=1))


@dataclass(frozen=True)
class CoveragePeriod:
    """The inspection phase [phase_start, phase_end) and the campaign's end, as aware datetimes."""

    phase_start: dt.datetime
    phase_end: dt.datetime
    campaign_end: dt.datetime

    @property
    def phase_last_day(self) -> dt.date:
        return (self.phase_end - dt.timedelta(days=1)).astimezone(LOCAL).date()

    @property
    def phase_first_day(self) -> dt.date:
        return self.phase_start.astimezone(LOCAL).date()

    @property
    def campaign_last_day(self) -> dt.date:
        return (self.campaign_end - dt.timedelta(days=1)).astimezone(LOCAL).date()

    def state(self, now: dt.datetime) -> str:
        """Where ``now`` (aware) is: before / during / after the phase, or after the campaign."""
        if now < self.phase_start:
            return BEFORE
        if now < self.phase_end:
            return DURING
        if now < self.campaign_end:
            return AFTER
        return CLOSED


def coverage_period(district) -> CoveragePeriod:
    """The district's coverage period; the campaign end never lies before the phase's end."""
    from core.campaigns.services import campaign_coverage_dates

    first, last, campaign_last = campaign_coverage_dates(district)  # one read of the campaign
    start, end = _midnight(first), _midnight(last + dt.timedelta(days=1))
    campaign_end = _midnight(campaign_last + dt.timedelta(days=1))
    return CoveragePeriod(start, end, max(end, campaign_end))
