"""Schedules through the API: who is on call, the next handoff, and iCalendar feeds that a
calendar program (here the `icalendar` parser) reads back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import icalendar
import pytest
from fastapi.testclient import TestClient

from warroom.config import WarroomConfig, parse_config


@pytest.fixture
def config() -> WarroomConfig:
    return parse_config(
        {
            "people": [{"name": n} for n in ("alice", "bob", "carol")],
            "schedules": [
                {
                    "name": "primary",
                    "timezone": "Europe/Oslo",
                    "layers": [
                        {
                            "members": ["alice", "bob"],
                            "start": "2026-11-02T09:00:00+01:00",
                            "turn": "1d",
                        }
                    ],
                },
                {
                    "name": "secondary",
                    "layers": [
                        {
                            "members": ["carol", "alice"],
                            "start": "2026-11-02T00:00:00Z",
                            "turn": "1w",
                        }
                    ],
                },
            ],
        }
    )


def events(text: str) -> list[Any]:
    return list(icalendar.Calendar.from_ical(text).walk("VEVENT"))


def test_the_list_says_who_is_on_call_and_who_comes_next(client: TestClient, as_: Any) -> None:
    body = client.get("/api/v1/schedules", headers=as_("charlie")).json()
    assert body["at"].startswith("2026-11-02T09:00:00")
    primary, secondary = body["items"]
    assert (primary["schedule"], primary["on_call"], primary["timezone"]) == (
        "primary",
        "alice",
        "Europe/Oslo",
    )
    assert primary["next_handoff"]["to_person"] == "bob"
    assert primary["next_handoff"]["at"].startswith("2026-11-03T08:00:00")  # 09:00 in Oslo
    assert (secondary["on_call"], secondary["next_handoff"]["to_person"]) == ("carol", "alice")


def test_oncall_at_a_given_time(client: TestClient, as_: Any) -> None:
    path = "/api/v1/schedules/primary/oncall"
    later = client.get(path, params={"at": "2026-11-03T12:00:00Z"}, headers=as_("charlie"))
    assert later.status_code == 200
    assert (later.json()["on_call"], later.json()["layer"]) == ("bob", 0)
    before = client.get(path, params={"at": "2026-10-01T12:00:00Z"}, headers=as_("charlie"))
    assert before.json()["on_call"] is None
    naive = client.get(path, params={"at": "2026-11-03T12:00:00"}, headers=as_("charlie"))
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "at"
    missing = client.get("/api/v1/schedules/tertiary/oncall", headers=as_("charlie"))
    assert missing.status_code == 404 and "tertiary" in missing.json()["detail"]
    assert client.get(path).status_code == 401


def test_a_schedule_feed_is_a_calendar_of_its_shifts(client: TestClient, as_: Any) -> None:
    response = client.get(
        "/api/v1/schedules/primary.ics",
        params={"from": "2026-11-02T08:00:00Z", "to": "2026-11-05T08:00:00Z"},
        headers=as_("charlie"),
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    shifts = [
        (str(e["SUMMARY"]), e.decoded("DTSTART"), e.decoded("DTEND")) for e in events(response.text)
    ]
    assert shifts == [
        (
            "On call: alice (primary)",
            datetime(2026, 11, 2, 8, tzinfo=UTC),
            datetime(2026, 11, 3, 8, tzinfo=UTC),
        ),
        (
            "On call: bob (primary)",
            datetime(2026, 11, 3, 8, tzinfo=UTC),
            datetime(2026, 11, 4, 8, tzinfo=UTC),
        ),
        (
            "On call: alice (primary)",
            datetime(2026, 11, 4, 8, tzinfo=UTC),
            datetime(2026, 11, 5, 8, tzinfo=UTC),
        ),
    ]
    default = client.get("/api/v1/schedules/primary.ics", headers=as_("charlie"))
    assert len(events(default.text)) > 60  # a week back and two months ahead, daily turns
    backwards = client.get(
        "/api/v1/schedules/primary.ics",
        params={"from": "2026-11-05T00:00:00Z", "to": "2026-11-01T00:00:00Z"},
        headers=as_("charlie"),
    )
    assert backwards.status_code == 422
    too_long = client.get(
        "/api/v1/schedules/primary.ics",
        params={"from": "2026-01-01T00:00:00Z", "to": "2028-01-01T00:00:00Z"},
        headers=as_("charlie"),
    )
    assert too_long.status_code == 422 and "366 days" in too_long.json()["detail"]
    assert client.get("/api/v1/schedules/nope.ics", headers=as_("charlie")).status_code == 404


def test_a_persons_feed_holds_their_shifts_in_every_schedule(client: TestClient, as_: Any) -> None:
    response = client.get(
        "/api/v1/people/alice.ics",
        params={"from": "2026-11-02T00:00:00Z", "to": "2026-11-16T00:00:00Z"},
        headers=as_("charlie"),
    )
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.text)
    assert str(calendar["X-WR-CALNAME"]) == "alice on call"
    summaries = [str(e["SUMMARY"]) for e in events(response.text)]
    assert summaries.count("On call: alice (secondary)") == 1  # the week of 9 November
    assert summaries.count("On call: alice (primary)") == 7  # every other day, both weeks
    assert all("alice" in s for s in summaries)
    starts = [e.decoded("DTSTART") for e in events(response.text)]
    assert starts == sorted(starts)
    primary = client.get(
        "/api/v1/schedules/primary.ics",
        params={"from": "2026-11-02T00:00:00Z", "to": "2026-11-16T00:00:00Z"},
        headers=as_("charlie"),
    )
    shared = {str(e["UID"]) for e in events(primary.text)} & {
        str(e["UID"]) for e in events(response.text)
    }
    assert len(shared) == 7  # the same shift has the same UID in both feeds
    assert client.get("/api/v1/people/zed.ics", headers=as_("charlie")).status_code == 404
