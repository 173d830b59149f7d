from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.domain.ical import calendar, fold, uid
from warroom.domain.schedules import Shift

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
MONDAY_9AM = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WEEK = timedelta(weeks=1)
ROTA = [
    Shift("alice", MONDAY_9AM, MONDAY_9AM + WEEK),
    Shift("bob", MONDAY_9AM + WEEK, MONDAY_9AM + 2 * WEEK),
]


def events(text: str) -> list[icalendar.Event]:
    parsed = icalendar.Calendar.from_ical(text)
    assert parsed.errors == []
    found = parsed.walk("VEVENT")
    assert all(event.errors == [] for event in found)
    return found


def test_the_feed_parses_back_to_one_event_per_shift() -> None:
    found = events(calendar("primary", ROTA, now=NOW))
    assert [
        (str(event["SUMMARY"]), event.decoded("DTSTART"), event.decoded("DTEND")) for event in found
    ] == [
        ("On call: alice (primary)", MONDAY_9AM, MONDAY_9AM + WEEK),
        ("On call: bob (primary)", MONDAY_9AM + WEEK, MONDAY_9AM + 2 * WEEK),
    ]
    assert all(event.decoded("DTSTAMP") == NOW for event in found)
    assert len({str(event["UID"]) for event in found}) == 2


def test_the_feed_has_the_fields_rfc_5545_requires() -> None:
    text = calendar("primary", ROTA, now=NOW)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == text.count("END:VEVENT") == 2
    assert "DTSTAMP:20261101T120000Z\r\n" in text


def test_times_are_written_in_utc_with_a_z() -> None:
    oslo = ZoneInfo("Europe/Oslo")
    shift = Shift(
        "alice", datetime(2026, 11, 2, 10, 0, tzinfo=oslo), datetime(2026, 11, 3, tzinfo=oslo)
    )
    text = calendar("primary", [shift], now=NOW.astimezone(oslo))
    assert "DTSTART:20261102T090000Z\r\n" in text
    assert "DTEND:20261102T230000Z\r\n" in text
    assert "DTSTAMP:20261101T120000Z\r\n" in text


def test_every_line_ends_with_crlf() -> None:
    text = calendar("primary", ROTA, now=NOW)
    assert "\n" not in text.replace("\r\n", "")
    assert "\r" not in text.replace("\r\n", "")


def test_commas_semicolons_and_backslashes_in_names_are_escaped() -> None:
    name = "ops, west; nights \\ weekends"
    text = calendar(name, [Shift("alice; bob, carol", MONDAY_9AM, MONDAY_9AM + WEEK)], now=NOW)
    assert "X-WR-CALNAME:ops\\, west\\; nights \\\\ weekends\r\n" in text
    (event,) = events(text)
    assert str(event["SUMMARY"]) == f"On call: alice; bob, carol ({name})"


def test_a_newline_in_a_name_becomes_an_escaped_newline() -> None:
    text = calendar("two\nlines", ROTA[:1], now=NOW)
    assert "X-WR-CALNAME:two\\nlines\r\n" in text
    (event,) = events(text)
    assert str(event["SUMMARY"]) == "On call: alice (two\nlines)"


def test_long_lines_are_folded_at_75_octets_without_splitting_a_character() -> None:
    person = "Åse Ødegård-Løvås " * 8
    text = calendar("primary", [Shift(person, MONDAY_9AM, MONDAY_9AM + WEEK)], now=NOW)
    lines = text.encode().split(b"\r\n")
    assert max(len(line) for line in lines) == 75
    for line in lines:
        line.decode()  # raises if a character were split between two lines
    assert any(line.startswith(b" ") for line in lines)
    (event,) = events(text)
    assert str(event["SUMMARY"]) == f"On call: {person} (primary)"


def test_folding_a_short_line_leaves_it_alone() -> None:
    assert fold("SUMMARY:On call: alice (primary)") == "SUMMARY:On call: alice (primary)"
    assert fold("X" * 75) == "X" * 75
    assert fold("X" * 76) == "X" * 75 + "\r\n X"


def test_the_uid_is_the_same_for_the_same_shift_and_differs_otherwise() -> None:
    first = calendar("primary", ROTA, now=NOW)
    again = calendar("primary", list(reversed(ROTA)), now=NOW + WEEK)
    uids = [str(event["UID"]) for event in events(first)]
    assert sorted(uids) == sorted(str(event["UID"]) for event in events(again))
    longer = Shift("alice", MONDAY_9AM, MONDAY_9AM + 2 * WEEK)
    assert uid("primary", longer) not in uids
    assert uid("secondary", ROTA[0]) not in uids


def test_an_empty_timeline_is_still_a_valid_calendar() -> None:
    text = calendar("primary", [], now=NOW)
    assert events(text) == []
    assert icalendar.Calendar.from_ical(text)["X-WR-CALNAME"] == "primary"


def test_a_naive_stamp_is_refused() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        calendar("primary", ROTA, now=datetime(2026, 11, 1, 12, 0))


printable = st.text(st.characters(exclude_categories=["Cc", "Cs"]), min_size=1, max_size=120)


@settings(max_examples=200, deadline=None)
@given(name=printable, person=printable)
def test_any_names_survive_the_round_trip_in_lines_of_at_most_75_octets(
    name: str, person: str
) -> None:
    text = calendar(name, [Shift(person, MONDAY_9AM, MONDAY_9AM + WEEK)], now=NOW)
    assert all(len(line) <= 75 for line in text.encode().split(b"\r\n"))
    (event,) = events(text)
    assert str(event["SUMMARY"]) == f"On call: {person} ({name})"
