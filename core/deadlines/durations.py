"""Due-date arithmetic: durations in clock hours or in working days, on a working-day calendar.

Rules (shown to users in the UI, see ``RULE_TEXT``):
- ``hours``: the deadline is the start plus that many clock hours, whatever the day.
- ``days``: calendar days; the day of the start is not counted; the deadline is the end (23:59:59,
  Beijing time) of the N-th day after it, holidays included (hazards do not wait for holidays).
- ``working_days``: the day of the start is not counted; the deadline is the end (23:59:59, Beijing
  time) of the N-th working day after it.
- a deadline given as a date ("by the 20th") that falls on a non-working day moves to the end of the
  next working day.

A working day is Monday to Friday unless the calendar marks it a holiday, plus any weekend day the
calendar marks a make-up working day (调休上班).

A calendar knows which years it holds (``years``). A working-day deadline whose count crosses a year
the calendar does not hold is *provisional*: for that year only the weekday rule is known (1 January
would count as a working day), so :func:`working_days_missing_years` names those years, the clock
records them, and the clock is re-timed when the year is loaded (``core.deadlines.services``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
HOURS, DAYS, WORKING_DAYS = "hours", "days", "working_days"
UNITS = {HOURS: "小时", DAYS: "天", WORKING_DAYS: "个工作日"}
RULE_TEXT = (
    "按小时计的时限：从开始时刻起算满规定小时数。按工作日计的时限：当天不计，从次日起数满规定个工作日，"
    "截止到最后一个工作日 23:59（北京时间）；周末、法定节假日不计，调休上班日计入。"
    "按天计的时限（如隐患整改）：当天不计，截止到第 N 天 23:59，节假日照常计算。"
    "按日期规定的时限（如每月20日前）遇节假日顺延至下一个工作日。"
)


@dataclass(frozen=True)
class WorkCalendar:
    """Holidays (days off) and make-up working days; everything else follows the weekday rule."""

    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)
    # Years the calendar holds; None: not tracked (every year treated as known).
    years: frozenset[int] | None = None

    def missing_years(self, first: dt.date, last: dt.date) -> list[int]:
        """Years from ``first`` to ``last`` (inclusive) the calendar does not hold, ascending."""
        if self.years is None:
            return []
        return [y for y in range(first.year, last.year + 1) if y not in self.years]

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself when it is a working day, else the first working day after it."""
        for _ in range(400):
            if self.is_working_day(day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError("no working day within 400 days: check the calendar")

    def previous_working_day(self, day: dt.date) -> dt.date:
        """The last working day strictly before ``day``."""
        for _ in range(400):
            day -= dt.timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError("no working day within 400 days: check the calendar")

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``day`` (``day`` itself not counted)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        found = 0
        for _ in range(count * 7 + 400):
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                found += 1
                if found == count:
                    return day
        raise ValueError("working days could not be counted: check the calendar")


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: str = HOURS

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown unit {self.unit!r}")
        if self.amount < 1:
            raise ValueError("a duration is at least 1")

    @property
    def label(self) -> str:
        return f"{self.amount} {UNITS[self.unit]}"

    def min_hours(self) -> int:
        """A lower bound in clock hours (N working days always last at least N*24 hours)."""
        if self.unit == HOURS:
            return self.amount
        return self.amount * 24 if self.unit == WORKING_DAYS else (self.amount - 1) * 24

    def max_hours(self) -> int | None:
        """An upper bound in clock hours, or None when holidays make it unbounded."""
        if self.unit == HOURS:
            return self.amount
        return (self.amount + 1) * 24 if self.unit == DAYS else None

    def is_not_longer_than(self, other: Duration) -> bool:
        """True when this duration can never end later than ``other`` (used for 'tighten, never loosen')."""
        if self.unit == other.unit:
            return self.amount <= other.amount
        longest = self.max_hours()
        # working days may stretch over a holiday beyond any number of hours
        return longest is not None and longest <= other.min_hours()


def end_of_local_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=LOCAL_TZ).astimezone(dt.UTC)


def due_after(start: dt.datetime, duration: Duration, calendar: WorkCalendar) -> dt.datetime:
    """The deadline of a clock started at ``start`` (aware) for ``duration``."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if duration.unit == HOURS:
        return start + dt.timedelta(hours=duration.amount)
    local_day = start.astimezone(LOCAL_TZ).date()
    if duration.unit == DAYS:
        return end_of_local_day(local_day + dt.timedelta(days=duration.amount))
    return end_of_local_day(calendar.add_working_days(local_day, duration.amount))


@dataclass(frozen=True)
class ByDate:
    """A deadline set by a date ("by the 20th"; "look back on 01-15"; "3 working days before the 20th").

    The deadline is the end (23:59:59 Beijing time) of ``day``, moved to the next working day when
    ``day`` is not one; with ``lead_working_days`` N > 0 it is the end of the N-th working day before
    that. Clocks keep it (``Clock.due_on``, ``Clock.due_lead_working_days``) so a calendar change
    re-times them like working-day durations.
    """

    day: dt.date
    lead_working_days: int = 0

    def __post_init__(self) -> None:
        if self.lead_working_days < 0:
            raise ValueError("lead_working_days is at least 0")

    def due_day(self, calendar: WorkCalendar) -> dt.date:
        day = calendar.next_working_day(self.day)
        for _ in range(self.lead_working_days):
            day = calendar.previous_working_day(day)
        return day

    def due_at(self, calendar: WorkCalendar) -> dt.datetime:
        return end_of_local_day(self.due_day(calendar))

    def missing_years(self, calendar: WorkCalendar) -> list[int]:
        """Years the calendar had to know to place this deadline but does not hold (provisional)."""
        due = self.due_day(calendar)
        return calendar.missing_years(min(due, self.day), max(due, calendar.next_working_day(self.day)))

    @property
    def label(self) -> str:
        text = f"{self.day:%m月%d日}前，遇节假日顺延"
        return f"{text}，提前 {self.lead_working_days} 个工作日" if self.lead_working_days else text


def due_by_date(day: dt.date, calendar: WorkCalendar) -> dt.datetime:
    """A deadline 'by <day>': the end of that day, moved to the next working day if it is not one."""
    return ByDate(day).due_at(calendar)


def working_days_missing_years(start: dt.datetime, due_at: dt.datetime, calendar: WorkCalendar) -> list[int]:
    """Years a working-day count from ``start`` to ``due_at`` crossed that ``calendar`` does not hold
    (empty: the deadline is final). Days counted are the day after the start to the due day."""
    first = start.astimezone(LOCAL_TZ).date() + dt.timedelta(days=1)
    return calendar.missing_years(first, due_at.astimezone(LOCAL_TZ).date())
