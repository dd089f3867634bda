"""Working-day arithmetic on the 2026 calendar (State Council schedule, holidays-cn.csv)."""

from __future__ import annotations

import datetime as dt

import pytest

from core.campaigns.services import DEFAULT_CALENDAR, calendar_parse_csv
from core.deadlines.durations import (
    DAYS,
    HOURS,
    LOCAL_TZ,
    WORKING_DAYS,
    Duration,
    WorkCalendar,
    due_after,
    due_by_date,
)


@pytest.fixture(scope="module")
def cal_2026() -> WorkCalendar:
    rows = calendar_parse_csv(DEFAULT_CALENDAR.read_text(encoding="utf-8"))
    return WorkCalendar(
        holidays=frozenset(d for d, k, _ in rows if k == "holiday"),
        workdays=frozenset(d for d, k, _ in rows if k == "workday"),
    )


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL_TZ)


def test_spring_festival_three_working_days_from_friday_0213_are_due_end_of_wednesday_0225(cal_2026):
    # Friday 02-13 not counted; Saturday 02-14 is a make-up working day (1); 02-15..02-23 holidays;
    # Tuesday 02-24 (2); Wednesday 02-25 (3).
    due = due_after(local(2026, 2, 13, 10, 30), Duration(3, WORKING_DAYS), cal_2026)
    assert due == local(2026, 2, 25, 23, 59, 59)


def test_spring_festival_make_up_saturday_is_a_working_day_and_the_holiday_is_not(cal_2026):
    assert cal_2026.is_working_day(dt.date(2026, 2, 14)) is True
    assert [cal_2026.is_working_day(dt.date(2026, 2, d)) for d in range(15, 24)] == [False] * 9
    assert cal_2026.is_working_day(dt.date(2026, 2, 28)) is True  # Saturday make-up day


def test_new_year_sunday_0104_is_a_working_day(cal_2026):
    assert cal_2026.is_working_day(dt.date(2026, 1, 4)) is True
    # Received on Wednesday 12-31: 01-01..01-03 off, Sunday 01-04 counts as the first working day.
    assert due_after(local(2025, 12, 31, 16, 0), Duration(1, WORKING_DAYS), cal_2026) == local(
        2026, 1, 4, 23, 59, 59
    )
    assert due_after(local(2025, 12, 31, 16, 0), Duration(2, WORKING_DAYS), cal_2026) == local(
        2026, 1, 5, 23, 59, 59
    )


def test_hours_ignore_the_calendar(cal_2026):
    start = local(2026, 2, 14, 23, 30)
    assert due_after(start, Duration(24, HOURS), cal_2026) == start + dt.timedelta(hours=24)


def test_a_date_deadline_on_a_holiday_moves_to_the_next_working_day(cal_2026):
    # "by the 20th": 2026-02-20 is a Spring Festival holiday -> Tuesday 02-24.
    assert due_by_date(dt.date(2026, 2, 20), cal_2026) == local(2026, 2, 24, 23, 59, 59)
    # 2026-12-20 is a Sunday -> Monday 12-21; 2026-01-20 is a Tuesday and stays.
    assert due_by_date(dt.date(2026, 12, 20), cal_2026) == local(2026, 12, 21, 23, 59, 59)
    assert due_by_date(dt.date(2026, 1, 20), cal_2026) == local(2026, 1, 20, 23, 59, 59)


def test_tightening_compares_units_safely():
    assert Duration(12, HOURS).is_not_longer_than(Duration(24, HOURS))
    assert not Duration(25, HOURS).is_not_longer_than(Duration(24, HOURS))
    assert Duration(48, HOURS).is_not_longer_than(Duration(3, WORKING_DAYS))
    assert not Duration(1, WORKING_DAYS).is_not_longer_than(Duration(48, HOURS))
    assert Duration(2, WORKING_DAYS).is_not_longer_than(Duration(3, WORKING_DAYS))


def test_csv_errors_name_every_bad_row():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        calendar_parse_csv(
            "date,kind,name\n2027-01-01,holiday,元旦\n2027-13-01,holiday,x\n2027-01-02,party,y\n"
        )
    messages = exc.value.message_dict["file"]
    assert len(messages) == 2 and "第3行" in messages[0] and "第4行" in messages[1]


def test_calendar_days_count_holidays_and_end_at_local_midnight(cal_2026):
    # A hazard found on Friday 2026-02-13 with 3 days to fix: due end of Monday 02-16, a holiday.
    assert due_after(local(2026, 2, 13, 10, 0), Duration(3, DAYS), cal_2026) == local(2026, 2, 16, 23, 59, 59)
    # Late in the evening the start day still does not count.
    assert due_after(local(2026, 2, 13, 23, 50), Duration(1, DAYS), cal_2026) == local(
        2026, 2, 14, 23, 59, 59
    )


def test_calendar_days_in_tightening_comparisons():
    assert Duration(2, DAYS).is_not_longer_than(Duration(3, WORKING_DAYS))
    assert not Duration(3, WORKING_DAYS).is_not_longer_than(Duration(10, DAYS))  # holidays: unbounded
    assert Duration(1, DAYS).is_not_longer_than(Duration(48, HOURS))
    assert not Duration(3, DAYS).is_not_longer_than(Duration(48, HOURS))
    assert Duration(24, HOURS).is_not_longer_than(Duration(2, DAYS))
