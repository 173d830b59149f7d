from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from warroom.domain.business_hours import BusinessHours

OFFICE = BusinessHours()  # Monday to Friday, 09:00-17:00 UTC
EIGHT_HOURS = timedelta(hours=8)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_a_report_on_friday_evening_is_due_at_the_end_of_monday() -> None:
    friday_evening = utc(2026, 11, 6, 18, 0)
    assert OFFICE.add(friday_evening, EIGHT_HOURS) == utc(2026, 11, 9, 17, 0)


def test_a_report_on_tuesday_morning_is_due_the_next_morning() -> None:
    assert OFFICE.add(utc(2026, 11, 3, 10, 0), EIGHT_HOURS) == utc(2026, 11, 4, 10, 0)


def test_time_inside_the_working_day_counts_as_is() -> None:
    assert OFFICE.add(utc(2026, 11, 3, 10, 0), timedelta(hours=2)) == utc(2026, 11, 3, 12, 0)


def test_holidays_are_skipped_whole() -> None:
    hours = BusinessHours(holidays=(date(2026, 12, 25),))
    thursday_evening = utc(2026, 12, 24, 18, 0)
    assert hours.add(thursday_evening, timedelta(hours=1)) == utc(2026, 12, 28, 10, 0)


def test_working_hours_follow_the_local_clock_across_daylight_saving() -> None:
    oslo = BusinessHours(timezone="Europe/Oslo")
    # Oslo leaves summer time on Sunday 25 October 2026: 09:00 local is 07:00 UTC before
    # and 08:00 UTC after.
    friday_evening = datetime(2026, 10, 23, 17, 30, tzinfo=ZoneInfo("Europe/Oslo"))
    due = oslo.add(friday_evening, timedelta(hours=1))
    assert due.astimezone(UTC) == utc(2026, 10, 26, 9, 0)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus", "not a known time zone"),
        ("days", ["mon", "funday"], "unknown day 'funday'"),
        ("start", "18:00", "must be before end"),
    ],
)
def test_impossible_business_hours_are_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        BusinessHours.model_validate({field: value})


def _working_time_between(start: datetime, end: datetime) -> timedelta:
    total = timedelta()
    moment = start
    while moment < end:
        step = min(timedelta(minutes=15), end - moment)
        local = moment.astimezone(UTC)
        if local.weekday() < 5 and 9 <= local.hour < 17:
            total += step
        moment += step
    return total


@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
    ).map(lambda d: d.replace(minute=d.minute - d.minute % 15, second=0, microsecond=0)),
    quarters=st.integers(min_value=1, max_value=96),
)
def test_a_deadline_lies_exactly_that_much_working_time_later(
    start: datetime, quarters: int
) -> None:
    duration = timedelta(minutes=15 * quarters)
    due = OFFICE.add(start, duration)
    assert due > start
    assert _working_time_between(start, due) == duration


def test_a_day_in_a_business_hours_duration_is_one_working_day() -> None:
    assert OFFICE.working(timedelta(days=1)) == EIGHT_HOURS
    assert OFFICE.working(timedelta(days=2, hours=1)) == timedelta(hours=17)
