from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warroom.domain.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(minutes=90)),
        (" 2H ", timedelta(hours=2)),
    ],
)
def test_durations_read_as_people_write_them(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "15", "15 minutes", "m15", "-5m", "1.5h", "1y"])
def test_a_malformed_duration_is_refused_with_the_expected_form(text: str) -> None:
    with pytest.raises(ValueError, match="write it like 30s, 15m"):
        parse_duration(text)


@given(st.integers(min_value=0, max_value=10**8))
def test_every_duration_prints_as_text_that_reads_back_the_same(seconds: int) -> None:
    delta = timedelta(seconds=seconds)
    assert parse_duration(format_duration(delta)) == delta
