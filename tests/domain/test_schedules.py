import itertools
import tomllib
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from warroom.domain.schedules import (
    WEEKDAYS,
    Handoff,
    Layer,
    OnCall,
    Schedule,
    Shift,
    next_handoff,
    on_call,
    people,
    shifts,
)

OSLO = ZoneInfo("Europe/Oslo")
MONDAY_9AM = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WEEK = timedelta(weeks=1)
TICK = timedelta(microseconds=1)
BUSINESS_HOURS = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def oslo(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=OSLO)


def layer(members: list[str], start: datetime, turn: str, **extra: Any) -> dict[str, Any]:
    return {"members": members, "start": start, "turn": turn, **extra}


def schedule(*layers: dict[str, Any], zone: str = "UTC", **extra: Any) -> Schedule:
    return Schedule.model_validate({"name": "primary", "timezone": zone, "layers": layers, **extra})


def handoffs(rota: Schedule, start: datetime, end: datetime) -> list[datetime]:
    return [shift.start for shift in shifts(rota, start, end)][1:]


def test_the_documented_toml_shape_is_accepted() -> None:
    text = """
[[schedules]]
name = "primary"
timezone = "Europe/Oslo"
  [[schedules.layers]]
  members = ["alice", "bob"]
  start = 2026-11-02T09:00:00Z
  turn = "1w"
  restrictions = [ { days = ["mon","tue","wed","thu","fri"], start = "09:00", end = "17:00" } ]
  [[schedules.overrides]]
  person = "carol"
  start = "2026-11-05T00:00:00Z"
  end = "2026-11-06T00:00:00Z"
"""
    rota = Schedule.model_validate(tomllib.loads(text)["schedules"][0])
    assert rota.layers[0].restrictions[0].end == time(17, 0)
    assert people(rota) == {"alice", "bob", "carol"}


def test_a_weekly_rotation_goes_alice_bob_alice() -> None:
    rota = schedule(layer(["alice", "bob"], MONDAY_9AM, "1w"))
    assert [on_call(rota, MONDAY_9AM + n * WEEK).person for n in range(3)] == [
        "alice",
        "bob",
        "alice",
    ]
    assert on_call(rota, MONDAY_9AM + WEEK - TICK).person == "alice"
    assert shifts(rota, MONDAY_9AM, MONDAY_9AM + 2 * WEEK) == [
        Shift(person="alice", start=MONDAY_9AM, end=MONDAY_9AM + WEEK),
        Shift(person="bob", start=MONDAY_9AM + WEEK, end=MONDAY_9AM + 2 * WEEK),
    ]


def test_a_daily_handoff_stays_at_nine_local_when_summer_time_begins() -> None:
    rota = schedule(layer(["alice", "bob"], oslo(2026, 3, 27, 9, 0), "1d"), zone="Europe/Oslo")
    # Oslo moves from UTC+1 to UTC+2 at 01:00 UTC on Sunday 29 March 2026.
    assert handoffs(rota, utc(2026, 3, 27), utc(2026, 3, 31)) == [
        utc(2026, 3, 28, 8, 0),
        utc(2026, 3, 29, 7, 0),
        utc(2026, 3, 30, 7, 0),
    ]


def test_a_daily_handoff_stays_at_nine_local_when_summer_time_ends() -> None:
    rota = schedule(layer(["alice", "bob"], oslo(2026, 10, 23, 9, 0), "1d"), zone="Europe/Oslo")
    # Oslo moves from UTC+2 back to UTC+1 at 01:00 UTC on Sunday 25 October 2026.
    assert handoffs(rota, utc(2026, 10, 23), utc(2026, 10, 27)) == [
        utc(2026, 10, 24, 7, 0),
        utc(2026, 10, 25, 8, 0),
        utc(2026, 10, 26, 8, 0),
    ]


def test_twelve_hour_turns_keep_nine_and_twenty_one_local_across_both_changes() -> None:
    spring = schedule(layer(["alice", "bob"], oslo(2026, 3, 28, 9, 0), "12h"), zone="Europe/Oslo")
    assert handoffs(spring, utc(2026, 3, 28, 8), utc(2026, 3, 30)) == [
        utc(2026, 3, 28, 20, 0),  # 21:00 CET
        utc(2026, 3, 29, 7, 0),  # 09:00 CEST: this night lasted 11 hours
        utc(2026, 3, 29, 19, 0),
    ]
    autumn = schedule(layer(["alice", "bob"], oslo(2026, 10, 24, 9, 0), "12h"), zone="Europe/Oslo")
    assert handoffs(autumn, utc(2026, 10, 24, 7), utc(2026, 10, 26)) == [
        utc(2026, 10, 24, 19, 0),  # 21:00 CEST
        utc(2026, 10, 25, 8, 0),  # 09:00 CET: this night lasted 13 hours
        utc(2026, 10, 25, 20, 0),
    ]


def test_a_seven_hour_turn_is_counted_on_the_wall_clock_so_it_shrinks_when_clocks_go_forward() -> (
    None
):
    rota = schedule(layer(["alice", "bob"], oslo(2026, 3, 28, 23, 0), "7h"), zone="Europe/Oslo")
    assert handoffs(rota, utc(2026, 3, 28, 22), utc(2026, 3, 29, 12)) == [
        utc(2026, 3, 29, 4, 0),  # 06:00 CEST, six real hours after 23:00 CET
        utc(2026, 3, 29, 11, 0),  # 13:00 CEST
    ]


def test_a_handoff_at_a_skipped_time_happens_when_the_clock_jumps() -> None:
    rota = schedule(layer(["alice", "bob"], oslo(2026, 3, 27, 2, 30), "1d"), zone="Europe/Oslo")
    assert handoffs(rota, utc(2026, 3, 27), utc(2026, 3, 31)) == [
        utc(2026, 3, 28, 1, 30),
        utc(2026, 3, 29, 1, 0),  # 02:30 does not exist: the handoff is at 03:00 CEST
        utc(2026, 3, 30, 0, 30),
    ]


def test_a_handoff_at_a_repeated_time_happens_at_its_first_occurrence() -> None:
    rota = schedule(layer(["alice", "bob"], oslo(2026, 10, 23, 2, 30), "1d"), zone="Europe/Oslo")
    assert handoffs(rota, utc(2026, 10, 23), utc(2026, 10, 27)) == [
        utc(2026, 10, 24, 0, 30),
        utc(2026, 10, 25, 0, 30),  # 02:30 CEST, not the 02:30 CET an hour later
        utc(2026, 10, 26, 1, 30),
    ]


def test_in_the_repeated_hour_a_handoff_made_in_its_first_pass_stays_made() -> None:
    rota = schedule(
        layer(["alice", "bob", "carol"], oslo(2026, 10, 23, 2, 30), "1d"), zone="Europe/Oslo"
    )
    # 01:10 UTC on 25 October reads 02:10 CET: the clock read 02:30 an hour earlier (CEST).
    assert on_call(rota, utc(2026, 10, 25, 1, 10)) == OnCall(
        person="carol", layer=0, until=utc(2026, 10, 26, 1, 30)
    )


def test_a_handoff_time_sets_when_turns_change_whatever_time_start_has() -> None:
    # start mid-afternoon on Tuesday; turns change at 09:00 Oslo time, the first on Wednesday
    rota = schedule(
        layer(["alice", "bob"], oslo(2026, 11, 3, 15, 30), "1d", handoff="09:00"),
        zone="Europe/Oslo",
    )
    assert on_call(rota, oslo(2026, 11, 4, 8, 59)).person is None
    assert on_call(rota, oslo(2026, 11, 4, 9, 0)).person == "alice"
    assert on_call(rota, oslo(2026, 11, 5, 9, 0)).person == "bob"
    assert handoffs(rota, oslo(2026, 11, 4, 9), oslo(2026, 11, 7, 9)) == [
        oslo(2026, 11, 5, 9, 0),
        oslo(2026, 11, 6, 9, 0),
    ]


def test_a_weekly_handoff_on_a_named_day_starts_on_the_next_such_day() -> None:
    # 2026-11-04 is a Wednesday: the first Monday 09:00 at or after it is 9 November
    rota = schedule(
        layer(["alice", "bob"], utc(2026, 11, 4, 12), "1w", handoff="mon 09:00"),
        zone="America/New_York",
    )
    new_york = ZoneInfo("America/New_York")
    first = datetime(2026, 11, 9, 9, 0, tzinfo=new_york)
    assert on_call(rota, first - TICK).person is None
    handoff = next_handoff(rota, first - TICK)
    assert handoff == Handoff(at=first, from_person=None, to_person="alice")
    assert on_call(rota, first + WEEK).person == "bob"


def test_a_start_already_at_the_handoff_time_is_the_first_handoff() -> None:
    plain = schedule(layer(["alice", "bob"], MONDAY_9AM, "1d"))
    timed = schedule(layer(["alice", "bob"], MONDAY_9AM, "1d", handoff="09:00"))
    week = (MONDAY_9AM - WEEK, MONDAY_9AM + WEEK)
    assert shifts(timed, *week) == shifts(plain, *week)


def test_a_business_hours_layer_wins_inside_its_window_and_the_layer_below_shows_outside() -> None:
    rota = schedule(
        layer(["alice", "bob"], MONDAY_9AM, "1w"),
        layer(["carol"], MONDAY_9AM, "1w", restrictions=[BUSINESS_HOURS]),
        zone="Europe/Oslo",
    )
    assert on_call(rota, oslo(2026, 11, 3, 10, 0)) == OnCall(
        person="carol", layer=1, until=oslo(2026, 11, 3, 17, 0).astimezone(UTC)
    )
    assert on_call(rota, oslo(2026, 11, 3, 17, 0)).person == "alice"
    assert on_call(rota, oslo(2026, 11, 4, 8, 59)).layer == 0
    assert on_call(rota, oslo(2026, 11, 7, 12, 0)).person == "alice"  # Saturday
    assert on_call(rota, oslo(2026, 11, 10, 12, 0)).person == "carol"
    assert on_call(rota, oslo(2026, 11, 10, 18, 0)).person == "bob"


def test_each_layer_reads_its_restrictions_in_its_own_time_zone() -> None:
    """Follow the sun: an Oslo day layer under a New York day layer, in a UTC schedule."""
    rota = schedule(
        layer(["olga"], MONDAY_9AM, "1w", restrictions=[BUSINESS_HOURS], timezone="Europe/Oslo"),
        layer(
            ["nina"], MONDAY_9AM, "1w", restrictions=[BUSINESS_HOURS], timezone="America/New_York"
        ),
    )
    tuesday = [utc(2026, 11, 3, hour, 0) for hour in (7, 8, 13, 14, 21, 22)]
    assert [on_call(rota, moment).person for moment in tuesday] == [
        None,  # 08:00 in Oslo, 02:00 in New York
        "olga",  # 09:00 in Oslo
        "olga",  # 14:00 in Oslo, 08:00 in New York
        "nina",  # 09:00 in New York: the higher layer wins
        "nina",  # 16:00 in New York
        None,  # 17:00 in New York, 23:00 in Oslo
    ]
    assert on_call(rota, utc(2026, 11, 3, 8, 0)).until == utc(2026, 11, 3, 14, 0)


def test_an_overnight_restriction_runs_from_evening_to_morning() -> None:
    nights = {"days": ["fri"], "start": "17:00", "end": "09:00"}
    rota = schedule(layer(["dave"], MONDAY_9AM, "1d", restrictions=[nights]), zone="Europe/Oslo")
    on_at = [oslo(2026, 11, 6, 17, 0), oslo(2026, 11, 6, 23, 30), oslo(2026, 11, 7, 8, 59)]
    off_at = [oslo(2026, 11, 6, 16, 59), oslo(2026, 11, 7, 9, 0), oslo(2026, 11, 5, 23, 0)]
    assert [on_call(rota, moment).person for moment in on_at] == ["dave"] * 3
    assert [on_call(rota, moment).person for moment in off_at] == [None] * 3
    assert shifts(rota, MONDAY_9AM, MONDAY_9AM + WEEK) == [
        Shift("dave", oslo(2026, 11, 6, 17, 0).astimezone(UTC), utc(2026, 11, 7, 8, 0))
    ]


def test_an_override_wins_over_every_layer_and_ends_exactly_at_its_end() -> None:
    cover = {"person": "carol", "start": utc(2026, 11, 5), "end": utc(2026, 11, 6)}
    rota = schedule(
        layer(["alice", "bob"], MONDAY_9AM, "1w"),
        layer(["dave"], MONDAY_9AM, "1w", restrictions=[BUSINESS_HOURS]),
        overrides=[cover],
    )
    assert on_call(rota, utc(2026, 11, 5, 12)) == OnCall("carol", "override", utc(2026, 11, 6))
    assert on_call(rota, utc(2026, 11, 6) - TICK).person == "carol"
    assert on_call(rota, utc(2026, 11, 6)).person == "alice"
    assert Shift("carol", utc(2026, 11, 5), utc(2026, 11, 6)) in shifts(
        rota, MONDAY_9AM, MONDAY_9AM + WEEK
    )


def test_of_two_overlapping_overrides_the_later_one_wins() -> None:
    first = {"person": "carol", "start": utc(2026, 11, 5), "end": utc(2026, 11, 7)}
    second = {"person": "dave", "start": utc(2026, 11, 6), "end": utc(2026, 11, 6, 12)}
    rota = schedule(layer(["alice"], MONDAY_9AM, "1w"), overrides=[first, second])
    assert shifts(rota, utc(2026, 11, 5), utc(2026, 11, 8)) == [
        Shift("carol", utc(2026, 11, 5), utc(2026, 11, 6)),
        Shift("dave", utc(2026, 11, 6), utc(2026, 11, 6, 12)),
        Shift("carol", utc(2026, 11, 6, 12), utc(2026, 11, 7)),
        Shift("alice", utc(2026, 11, 7), utc(2026, 11, 8)),
    ]


def test_before_its_start_a_layer_has_nobody() -> None:
    rota = schedule(layer(["alice", "bob"], MONDAY_9AM, "1w"))
    assert on_call(rota, MONDAY_9AM - TICK) == OnCall(person=None, layer=None, until=MONDAY_9AM)
    assert shifts(rota, MONDAY_9AM - WEEK, MONDAY_9AM + timedelta(days=1)) == [
        Shift("alice", MONDAY_9AM, MONDAY_9AM + timedelta(days=1))
    ]


def test_an_empty_top_layer_falls_through_to_the_next_one_down() -> None:
    later = MONDAY_9AM + WEEK
    rota = schedule(layer(["alice"], MONDAY_9AM, "1d"), layer(["bob"], later, "1d"))
    assert on_call(rota, MONDAY_9AM + timedelta(days=2)) == OnCall("alice", 0, later)
    assert on_call(rota, later) == OnCall("bob", 1, None)


def test_until_is_the_next_handoff_and_next_handoff_names_both_people() -> None:
    rota = schedule(layer(["alice", "bob"], MONDAY_9AM, "1w"))
    moment = MONDAY_9AM + timedelta(days=3)
    assert on_call(rota, moment).until == MONDAY_9AM + WEEK
    assert next_handoff(rota, moment) == Handoff(
        at=MONDAY_9AM + WEEK, from_person="alice", to_person="bob"
    )
    assert next_handoff(rota, MONDAY_9AM + WEEK) == Handoff(MONDAY_9AM + 2 * WEEK, "bob", "alice")


def test_next_handoff_skips_changes_that_keep_the_same_person() -> None:
    rota = schedule(
        layer(["alice", "bob"], MONDAY_9AM, "1w"),
        layer(["alice"], MONDAY_9AM, "1d", restrictions=[BUSINESS_HOURS]),
    )
    assert on_call(rota, MONDAY_9AM).until == utc(2026, 11, 2, 17)  # alice moves down a layer
    # the next Monday alice is still on call in business hours: bob takes over at 17:00
    assert next_handoff(rota, MONDAY_9AM) == Handoff(utc(2026, 11, 9, 17), "alice", "bob")


def test_a_handoff_to_nobody_counts_as_a_change() -> None:
    rota = schedule(layer(["alice"], MONDAY_9AM, "1d", restrictions=[BUSINESS_HOURS]))
    assert next_handoff(rota, MONDAY_9AM) == Handoff(utc(2026, 11, 2, 17), "alice", None)
    assert next_handoff(rota, utc(2026, 11, 6, 17)) == Handoff(MONDAY_9AM + WEEK, None, "alice")


def test_a_lone_member_without_restrictions_is_on_call_for_ever() -> None:
    rota = schedule(layer(["alice"], MONDAY_9AM, "1s"))
    assert on_call(rota, MONDAY_9AM + 5 * WEEK) == OnCall("alice", 0, None)
    assert next_handoff(rota, MONDAY_9AM) is None


def test_consecutive_turns_of_the_same_person_merge_into_one_shift() -> None:
    rota = schedule(layer(["alice", "alice", "bob"], MONDAY_9AM, "1d"))
    day = timedelta(days=1)
    assert on_call(rota, MONDAY_9AM).until == MONDAY_9AM + 2 * day
    assert shifts(rota, MONDAY_9AM, MONDAY_9AM + 4 * day) == [
        Shift("alice", MONDAY_9AM, MONDAY_9AM + 2 * day),
        Shift("bob", MONDAY_9AM + 2 * day, MONDAY_9AM + 3 * day),
        Shift("alice", MONDAY_9AM + 3 * day, MONDAY_9AM + 4 * day),
    ]


def test_an_override_by_the_person_already_on_call_does_not_split_their_shift() -> None:
    cover = {"person": "alice", "start": utc(2026, 11, 3), "end": utc(2026, 11, 4)}
    rota = schedule(layer(["alice", "bob"], MONDAY_9AM, "1w"), overrides=[cover])
    assert shifts(rota, MONDAY_9AM, MONDAY_9AM + WEEK) == [
        Shift("alice", MONDAY_9AM, MONDAY_9AM + WEEK)
    ]


def test_a_one_second_turn_over_years_is_computed_not_walked() -> None:
    start = oslo(2020, 1, 1, 0, 0)
    rota = schedule(layer(["a", "b", "c"], start, "1s"), zone="Europe/Oslo")
    moment = oslo(2031, 7, 1, 12, 0, 7)  # wall-clock seconds: summer time gaps skip turns
    wall_seconds = (moment.replace(tzinfo=None) - start.replace(tzinfo=None)).total_seconds()
    assert on_call(rota, moment) == OnCall(
        person="abc"[int(wall_seconds) % 3], layer=0, until=moment + timedelta(seconds=1)
    )


def test_windows_that_touch_are_one_window() -> None:
    evening = {"days": ["mon"], "start": "17:00", "end": "20:00"}
    rota = schedule(layer(["alice"], MONDAY_9AM, "1d", restrictions=[BUSINESS_HOURS, evening]))
    assert on_call(rota, MONDAY_9AM).until == utc(2026, 11, 2, 20)
    assert next_handoff(rota, MONDAY_9AM) == Handoff(utc(2026, 11, 2, 20), "alice", None)


def test_restrictions_round_the_clock_restrict_nothing() -> None:
    halves = [{"start": "00:00", "end": "12:00"}, {"start": "12:00", "end": "00:00"}]
    rota = schedule(layer(["alice"], MONDAY_9AM, "1d", restrictions=halves), zone="Europe/Oslo")
    assert on_call(rota, MONDAY_9AM) == OnCall("alice", 0, None)
    assert next_handoff(rota, MONDAY_9AM) is None


def test_on_call_answers_in_utc_whatever_zone_it_is_asked_in() -> None:
    rota = schedule(layer(["alice", "bob"], MONDAY_9AM, "1d"), zone="Europe/Oslo")
    until = on_call(rota, oslo(2026, 11, 2, 12, 0)).until
    assert until is not None
    assert until.utcoffset() == timedelta(0)
    assert until == utc(2026, 11, 3, 9)


def test_people_lists_every_member_and_override_person() -> None:
    cover = {"person": "erin", "start": utc(2026, 11, 3), "end": utc(2026, 11, 4)}
    rota = schedule(
        layer(["alice", "bob"], MONDAY_9AM, "1w"),
        layer(["carol"], MONDAY_9AM, "1d"),
        overrides=[cover],
    )
    assert people(rota) == {"alice", "bob", "carol", "erin"}


def test_asking_for_a_backwards_range_or_a_naive_instant_is_refused() -> None:
    rota = schedule(layer(["alice"], MONDAY_9AM, "1w"))
    with pytest.raises(ValueError, match="must not be before"):
        shifts(rota, MONDAY_9AM, MONDAY_9AM - WEEK)
    with pytest.raises(ValueError, match="has no time zone"):
        on_call(rota, datetime(2026, 11, 2, 9, 0))


def test_a_range_with_too_many_changes_is_refused_not_looped_over() -> None:
    rota = schedule(layer(["alice", "bob"], MONDAY_9AM, "1s"))
    with pytest.raises(ValueError, match="ask for a shorter one"):
        shifts(rota, MONDAY_9AM, MONDAY_9AM + WEEK, limit=1000)


GOOD_LAYER = {"members": ["alice"], "start": "2026-11-02T09:00:00Z", "turn": "1w"}
GOOD_OVERRIDE = {"person": "carol", "start": "2026-11-05T00:00:00Z", "end": "2026-11-06T00:00:00Z"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"layers": [{**GOOD_LAYER, "members": []}]}, "a layer needs at least one member"),
        ({"layers": [{**GOOD_LAYER, "turn": "0s"}]}, "turn must be longer than zero"),
        ({"layers": []}, "a schedule needs at least one layer"),
        ({"timezone": "Mars/Olympus"}, "'Mars/Olympus' is not a known time zone"),
        (
            {"layers": [{**GOOD_LAYER, "restrictions": [{**BUSINESS_HOURS, "days": ["funday"]}]}]},
            "unknown day 'funday'",
        ),
        (
            {"overrides": [{**GOOD_OVERRIDE, "end": "2026-11-05T00:00:00Z"}]},
            "the override for carol must end after it starts",
        ),
        ({"layers": [{**GOOD_LAYER, "start": "2026-11-02T09:00:00"}]}, "has no time zone"),
        ({"overrides": [{**GOOD_OVERRIDE, "start": "2026-11-05T00:00:00"}]}, "has no time zone"),
        ({"layers": [{**GOOD_LAYER, "rotation": "weekly"}]}, "Extra inputs are not permitted"),
        ({"layers": [{**GOOD_LAYER, "handoff": "9 o'clock"}]}, "is not a handoff time"),
        ({"layers": [{**GOOD_LAYER, "handoff": "09:00+02:00"}]}, "has an offset"),
        (
            {"layers": [{**GOOD_LAYER, "turn": "1d", "handoff": "mon 09:00"}]},
            "names a weekday, so turn must be whole weeks",
        ),
    ],
)
def test_impossible_schedules_are_refused_in_one_sentence(
    changes: dict[str, Any], message: str
) -> None:
    config = {"name": "primary", "timezone": "Europe/Oslo", "layers": [GOOD_LAYER], **changes}
    with pytest.raises(ValidationError, match=message):
        Schedule.model_validate(config)


# Properties: random schedules near the daylight-saving changes of zones on both hemispheres
# (Lord Howe shifts by half an hour), checked against each other and against a brute force.

CHANGES = {  # the clock changes of 2026 in each zone, as instants
    "Europe/Oslo": [utc(2026, 3, 29, 1), utc(2026, 10, 25, 1)],
    "America/New_York": [utc(2026, 3, 8, 7), utc(2026, 11, 1, 6)],
    "Australia/Lord_Howe": [utc(2026, 4, 4, 15), utc(2026, 10, 3, 15, 30)],  # by half an hour
    "UTC": [utc(2026, 11, 2, 9)],
}
ZONES = sorted(CHANGES)
TURNS = ["4h", "7h", "12h", "1d", "1w"]
QUARTER = timedelta(minutes=15)


def restrictions(focused: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Weekly windows; `focused` ones open and close in the hours the clocks change in."""
    hours = st.integers(1, 3) if focused else st.integers(0, 23) | st.integers(1, 3)
    clock_times = st.builds(time, hours, st.sampled_from([0, 30]))
    days = st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True)
    return st.fixed_dictionaries({"days": days, "start": clock_times, "end": clock_times})


@st.composite
def moments(draw: st.DrawFn, anchor: datetime, before: int, after: int) -> datetime:
    """An instant within days of `anchor`, often on a quarter hour, where edges fall, or
    within two hours of it, where clocks are set back or forward."""
    kind = draw(st.sampled_from(["quarter", "second", "near"]))
    if kind == "quarter":
        return anchor + draw(st.integers(-before * 96, after * 96)) * QUARTER
    if kind == "second":
        return anchor + timedelta(seconds=draw(st.integers(-before * 86400, after * 86400)))
    return anchor + timedelta(minutes=draw(st.integers(-120, 120)))


def same_time_days_before(anchor: datetime, quarters: int) -> st.SearchStrategy[datetime]:
    """A start whose daily handoffs fall within `quarters` quarter hours of the clock change."""
    days, offsets = st.integers(0, 20), st.integers(-quarters, quarters)
    return st.builds(lambda d, q: anchor - d * timedelta(days=1) + q * QUARTER, days, offsets)


@st.composite
def schedules(draw: st.DrawFn, zone: str, anchor: datetime, focused: bool) -> Schedule:
    names = st.sampled_from(["alice", "bob", "carol", "dave"])
    starts = (
        same_time_days_before(anchor, 4)
        if focused
        else moments(anchor, 20, 4) | same_time_days_before(anchor, 8)
    )
    layer_dicts = []
    for _ in range(draw(st.integers(1, 3))):
        turn = draw(st.sampled_from(TURNS))
        weekly = ["mon 02:30", "sun 09:00"] if turn == "1w" else []
        layer_dicts.append(
            {
                "members": draw(st.lists(names, min_size=1, max_size=4)),
                "start": draw(starts),
                "turn": turn,
                # sometimes turns change at a set time: one the clock changes skip or repeat
                "handoff": draw(st.sampled_from([None, None, "02:30", "09:00", *weekly])),
                "restrictions": draw(st.lists(restrictions(focused), max_size=2)),
                # mostly the schedule's zone; sometimes a layer of its own (follow the sun)
                "timezone": draw(st.sampled_from([None, None, *ZONES])),
            }
        )
    overrides = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(moments(anchor, 4, 4))
        length = draw(st.integers(1, 300)) * QUARTER
        overrides.append({"person": draw(names), "start": start, "end": start + length})
    config = {"name": "primary", "timezone": zone, "layers": layer_dicts}
    return Schedule.model_validate({**config, "overrides": overrides})


@st.composite
def cases(draw: st.DrawFn, focused: bool = False) -> tuple[Schedule, datetime]:
    """A schedule and an instant within days of one of its zone's clock changes; `focused`
    ones put handoffs, windows and the instant within hours of it."""
    zone = draw(st.sampled_from(ZONES))
    anchor = draw(st.sampled_from(CHANGES[zone]))
    rota = draw(schedules(zone, anchor, focused))
    if focused:
        return rota, anchor + draw(st.integers(-150, 150)) * timedelta(minutes=1)
    return rota, draw(moments(anchor, 3, 3))


def reference_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant whose local reading is `wall` or later, found by trying offsets."""
    near = [(wall + days * timedelta(days=1)).replace(tzinfo=UTC) for days in (-2, 0, 2)]
    offsets = {moment.astimezone(zone).utcoffset() or timedelta(0) for moment in near}
    exact = [
        (wall - offset).replace(tzinfo=UTC)
        for offset in offsets
        if (wall - offset).replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None) == wall
    ]
    if exact:
        return min(exact)
    moment = (wall - max(offsets)).replace(tzinfo=UTC, second=0, microsecond=0)
    while moment.astimezone(zone).replace(tzinfo=None) < wall:  # a skipped time: find the jump
        moment += timedelta(minutes=1)
    return moment


def reference_inside(layer: Layer, zone: ZoneInfo, moment: datetime) -> bool:
    today = moment.astimezone(zone).date()
    for day in (today - timedelta(days=n) for n in range(3)):
        for rule in layer.restrictions:
            if WEEKDAYS[day.weekday()] not in rule.days:
                continue
            close_day = day if rule.end > rule.start else day + timedelta(days=1)
            opens = reference_instant(datetime.combine(day, rule.start), zone)
            closes = reference_instant(datetime.combine(close_day, rule.end), zone)
            if opens <= moment < closes:
                return True
    return False


def reference_first_handoff(layer: Layer, zone: ZoneInfo) -> datetime:
    """`start`, or with a handoff time the first day's reading of it at or after `start`."""
    if layer.handoff is None:
        return layer.start
    *day, clock = layer.handoff.split()
    local = layer.start.astimezone(zone).date()
    for days in range(15):
        wall = datetime.combine(local + timedelta(days=days), time.fromisoformat(clock))
        if day and WEEKDAYS[wall.weekday()] != day[0]:
            continue
        if reference_instant(wall, zone) >= layer.start:
            return reference_instant(wall, zone)
    raise AssertionError("no handoff within two weeks")


def reference_person(rota: Schedule, moment: datetime) -> str | None:
    """Who is on call, by walking every layer's turns from its start on the wall clock."""
    covering = [o.person for o in rota.overrides if o.start <= moment < o.end]
    if covering:
        return covering[-1]
    for current in reversed(rota.layers):
        zone = ZoneInfo(current.timezone or rota.timezone)
        first = reference_first_handoff(current, zone)
        if moment < first:
            continue
        if current.restrictions and not reference_inside(current, zone, moment):
            continue
        origin = first.astimezone(zone).replace(tzinfo=None)
        turn = 0
        while reference_instant(origin + (turn + 1) * current.turn, zone) <= moment:
            turn += 1
        return current.members[turn % len(current.members)]
    return None


def covering_person(timeline: list[Shift], moment: datetime) -> str | None:
    covering = [shift.person for shift in timeline if shift.start <= moment < shift.end]
    assert len(covering) <= 1
    return covering[0] if covering else None


@settings(max_examples=200, deadline=None)
@given(cases())
def test_on_call_agrees_with_a_brute_force_walk_of_the_turns(
    case: tuple[Schedule, datetime],
) -> None:
    rota, moment = case
    assert on_call(rota, moment).person == reference_person(rota, moment)


@settings(max_examples=200, deadline=None)
@given(cases(focused=True))
def test_on_call_agrees_with_the_brute_force_within_hours_of_a_clock_change(
    case: tuple[Schedule, datetime],
) -> None:
    rota, moment = case
    assert on_call(rota, moment).person == reference_person(rota, moment)


@settings(max_examples=100, deadline=None)
@given(cases())
def test_every_instant_has_the_on_call_the_shifts_say(case: tuple[Schedule, datetime]) -> None:
    rota, moment = case
    timeline = shifts(rota, moment - 2 * WEEK, moment + 2 * WEEK)
    assert on_call(rota, moment).person == covering_person(timeline, moment)


@settings(max_examples=100, deadline=None)
@given(cases(), st.lists(st.floats(0, 1, exclude_max=True), min_size=3, max_size=3))
def test_until_is_later_and_the_person_holds_until_then(
    case: tuple[Schedule, datetime], fractions: list[float]
) -> None:
    rota, moment = case
    now = on_call(rota, moment)
    until = now.until if now.until is not None else moment + 4 * WEEK
    assert until > moment
    probes = [min(moment + share * (until - moment), until - TICK) for share in fractions]
    assert [reference_person(rota, probe) for probe in probes] == [now.person] * len(probes)


@settings(max_examples=100, deadline=None)
@given(cases())
def test_shifts_are_sorted_disjoint_non_empty_and_merged(case: tuple[Schedule, datetime]) -> None:
    rota, moment = case
    start, end = moment - 2 * WEEK, moment + 2 * WEEK
    timeline = shifts(rota, start, end)
    assert all(start <= shift.start < shift.end <= end for shift in timeline)
    for earlier, later in itertools.pairwise(timeline):
        assert earlier.end <= later.start
        assert earlier.end < later.start or earlier.person != later.person


@settings(max_examples=100, deadline=None)
@given(cases())
def test_next_handoff_is_the_first_change_of_person(case: tuple[Schedule, datetime]) -> None:
    rota, moment = case
    handoff = next_handoff(rota, moment)
    if handoff is None:
        timeline = shifts(rota, moment, moment + 4 * WEEK)
        person = reference_person(rota, moment)
        assert timeline == ([Shift(person, moment, moment + 4 * WEEK)] if person else [])
        return
    assert handoff.at > moment
    assert handoff.from_person != handoff.to_person
    assert handoff.from_person == reference_person(rota, moment)
    assert handoff.from_person == reference_person(rota, handoff.at - TICK)
    assert handoff.to_person == reference_person(rota, handoff.at)
    before = shifts(rota, moment, handoff.at)
    expected = [Shift(handoff.from_person, moment, handoff.at)] if handoff.from_person else []
    assert before == expected
