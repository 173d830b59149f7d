"""On call in the UI, CLI and API: /schedules, /schedules/{name} with its two weeks of
shifts, overrides (cover a shift, take a shift, remove one: stored, audited, honoured by
paging), /me with a private calendar link, and the list's order by declaration time.

The tests' Monday, 2 November 09:00 UTC, is frank's week on `primary` (erin's next)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import csrf_of
from typer.testing import CliRunner

from warroom.cli import app as cli_app
from warroom.config import WarroomConfig, parse_config
from warroom.db.models import Job, PersonRow, ScheduleOverride
from warroom.services.directory import lookup
from warroom.services.incidents import lifecycle

Browse = Callable[[str | None], TestClient]
CONFIG: dict[str, Any] = {
    "people": [
        {"name": "erin", "contacts": ["json://127.0.0.1:9/erin"]},
        {"name": "frank", "contacts": ["json://127.0.0.1:9/frank"]},
    ],
    "schedules": [
        {
            "name": "primary",
            "layers": [
                {"members": ["erin", "frank"], "start": "2026-10-26T09:00:00Z", "turn": "1w"}
            ],
        }
    ],
}


@pytest.fixture
def config() -> WarroomConfig:
    return parse_config(CONFIG)


def post(client: TestClient, path: str, **fields: str) -> Any:
    token = csrf_of(client.get("/").text)
    return client.post(path, data={"csrf": token, **fields}, follow_redirects=False)


def on_call_at(app: Any, moment: datetime) -> list[str]:
    state = app.state.warroom
    with state.db.read() as session:
        names, _ = lookup.resolve(session, state.ctx.config, ["schedule:primary"], moment)
    return names


def test_schedules_say_who_is_on_now_and_next(browse: Browse) -> None:
    html = browse("charlie").get("/schedules").text
    row = html[html.index('href="/schedules/primary"') :]
    assert re.search(r"<strong>frank</strong>.*?erin", row, re.S)


def test_a_schedule_shows_two_weeks_of_each_layer_and_the_result(browse: Browse) -> None:
    html = browse("charlie").get("/schedules/primary").text
    assert "<strong>frank</strong> is on call" in html
    assert html.count('<svg class="shift-bar"') == 3  # the layer, the overrides, the result
    result = html[html.index("On call: the shifts") :]
    result = result[: result.index("</ul>")]
    # from this midnight: erin until Monday 09:00, frank for the week, then erin
    assert re.findall(r"<strong>(\w+)</strong>", result) == ["erin", "frank", "erin"]
    assert html.count('<line class="day"') == 3 * 13  # the midnights inside two weeks
    assert ">Take this shift<" not in html  # a viewer cannot


def test_cover_a_shift_from_the_page_then_remove_it(app: Any, browse: Browse) -> None:
    bob = browse("bob")
    answer = post(
        bob,
        "/schedules/primary/overrides",
        person="bob",
        start="2026-11-02T10:00",
        end="2026-11-02T18:00",
        reason="frank at the dentist",
    )
    assert answer.status_code == 303
    html = bob.get("/schedules/primary").text
    overrides = html[html.index('id="overrides-h"') :]
    assert "frank at the dentist" in overrides and "made by bob" in overrides
    noon = datetime(2026, 11, 2, 12, tzinfo=UTC)
    assert on_call_at(app, noon) == ["bob"]
    assert on_call_at(app, noon + timedelta(hours=7)) == ["frank"]
    with app.state.warroom.db.read() as session:
        made = session.scalars(select(ScheduleOverride)).one()
    assert post(bob, f"/schedules/primary/overrides/{made.id}/remove").status_code == 303
    assert on_call_at(app, noon) == ["frank"]
    again = post(bob, f"/schedules/primary/overrides/{made.id}/remove")
    assert again.status_code == 409 and "already removed (by bob)" in again.text
    with app.state.warroom.db.read() as session:
        kept = session.get(ScheduleOverride, made.id)
        assert kept is not None and kept.removed_by == "bob"


def test_take_this_shift_is_one_click(app: Any, browse: Browse) -> None:
    bob = browse("bob")
    html = bob.get("/schedules/primary").text
    form = re.search(
        r'<input type="hidden" name="start" value="([^"]+)"><input type="hidden" name="end" '
        r'value="([^"]+)">\s*<input type="hidden" name="reason" value="Taking erin',
        html,
    )
    assert form, "erin's next shift has a Take this shift button"
    start, end = form.group(1), form.group(2)
    post(bob, "/schedules/primary/overrides", person="bob", start=start, end=end)
    assert on_call_at(app, datetime(2026, 11, 10, tzinfo=UTC)) == ["bob"]


def test_overrides_follow_the_configs_rules(browse: Browse) -> None:
    bob = browse("bob")
    path = "/schedules/primary/overrides"
    backwards = post(bob, path, person="bob", start="2026-11-03T10:00", end="2026-11-03T09:00")
    assert backwards.status_code == 422 and 'id="end-error"' in backwards.text
    assert "must end after it starts" in backwards.text
    past = post(bob, path, person="bob", start="2026-10-01T10:00", end="2026-10-02T10:00")
    assert past.status_code == 422 and "ends in the past" in past.text
    nobody = post(bob, path, person="zed", start="2026-11-03T10:00", end="2026-11-03T12:00")
    assert nobody.status_code == 404 and 'id="person-error"' in nobody.text
    bad = post(bob, path, person="bob", start="tomorrow", end="2026-11-03T12:00")
    assert bad.status_code == 422 and 'id="start-error"' in bad.text


def test_the_api_adds_lists_and_removes_overrides(app: Any, client: TestClient, as_: Any) -> None:
    path = "/api/v1/schedules/primary/overrides"
    body = {"person": "erin", "start": "2026-11-03T09:00:00Z", "end": "2026-11-04T09:00:00Z"}
    assert client.post(path, headers=as_("charlie"), json=body).status_code == 403
    made = client.post(path, headers=as_("bob"), json=body)
    assert made.status_code == 201 and made.json()["created_by"] == "bob"
    assert [o["person"] for o in client.get(path, headers=as_("charlie")).json()["items"]] == [
        "erin"
    ]
    assert on_call_at(app, datetime(2026, 11, 3, 12, tzinfo=UTC)) == ["erin"]
    gone = client.delete(f"{path}/{made.json()['id']}", headers=as_("bob"))
    assert gone.status_code == 200 and gone.json()["removed_by"] == "bob"
    assert client.get(path, headers=as_("charlie")).json()["items"] == []
    everything = client.get(path, headers=as_("charlie"), params={"include_past": "true"})
    assert len(everything.json()["items"]) == 1
    wrong = client.post("/api/v1/schedules/nope/overrides", headers=as_("bob"), json=body)
    assert wrong.status_code == 404


def test_the_cli_adds_lists_and_removes_overrides(db_url: str, tmp_path: Path) -> None:
    config = tmp_path / "warroom.toml"
    config.write_text(
        '[[people]]\nname = "erin"\n[[people]]\nname = "frank"\n'
        '[[schedules]]\nname = "primary"\n[[schedules.layers]]\nmembers = ["erin", "frank"]\n'
        'start = "2026-10-26T09:00:00Z"\nturn = "1w"\n'
    )
    runner = CliRunner(env={"WARROOM_ACTOR": "dana", "COLUMNS": "200"})
    base = ["--db", db_url, "--config", str(config)]
    soon = datetime.now(UTC) + timedelta(days=1)
    window = ["--from", soon.isoformat(), "--to", (soon + timedelta(hours=8)).isoformat()]
    added = runner.invoke(cli_app, ["override", "add", "primary", "erin", *window, *base, "--json"])
    assert added.exit_code == 0, added.output
    made = json.loads(added.stdout)
    assert made["created_by"] == "dana"
    listed = runner.invoke(cli_app, ["override", "ls", "primary", *base, "--json"])
    assert [o["person"] for o in json.loads(listed.stdout)["items"]] == ["erin"]
    removed = runner.invoke(cli_app, ["override", "rm", str(made["id"]), *base])
    assert removed.exit_code == 0 and "removed" in removed.stdout
    refused = runner.invoke(cli_app, ["override", "add", "primary", "zed", *window, *base])
    assert refused.exit_code == 1 and "no person named 'zed'" in refused.stderr


def test_me_shows_my_shifts_incidents_contacts_and_a_test_page(app: Any, browse: Browse) -> None:
    state = app.state.warroom
    with state.db.write.begin() as session:
        lifecycle.declare(
            session, ctx=state.ctx, actor="bob", title="Disk full", severity="P2", commander="bob"
        )
    bob = browse("bob")
    with state.db.write.begin() as session:
        row = session.scalars(select(PersonRow).where(PersonRow.name == "bob")).one()
        row.contacts = ["json://127.0.0.1:9/bob"]
    post(bob, "/schedules/primary/overrides", start="2026-11-03T09:00", end="2026-11-03T17:00")
    html = bob.get("/me").text
    shifts = html[html.index('id="shifts-h"') : html.index('id="mine-h"')]
    assert 'href="/schedules/primary"' in shifts
    assert "Disk full" in html[html.index('id="mine-h"') :]
    assert "json (127.0.0.1)" in html
    sent = post(bob, "/me/test-page")
    assert sent.status_code == 200 and "A test page is on its way to 1 contact." in sent.text
    with state.db.read() as session:
        sends = session.scalars(select(Job.payload).where(Job.kind == "deliver")).all()
    assert [p["person"] for p in sends] == ["bob"]


def test_a_private_calendar_link_serves_my_shifts_until_revoked(app: Any, browse: Browse) -> None:
    bob, anyone = browse("bob"), browse(None)
    post(bob, "/schedules/primary/overrides", start="2026-11-03T09:00", end="2026-11-03T17:00")
    made = post(bob, "/me/calendar").text
    link = re.search(r'<code class="calendar-link">http://[^/]+(/calendar/[^<]+\.ics)</code>', made)
    assert link
    feed = anyone.get(link.group(1))
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = list(icalendar.Calendar.from_ical(feed.text).walk("VEVENT"))
    assert [e.decoded("dtstart") for e in events] == [datetime(2026, 11, 3, 9, tzinfo=UTC)]
    renewed = post(bob, "/me/calendar").text
    assert anyone.get(link.group(1)).status_code == 404
    fresh = re.search(r"(/calendar/[^<]+\.ics)</code>", renewed)
    assert fresh and anyone.get(fresh.group(1)).status_code == 200
    post(bob, "/me/calendar/off")
    assert anyone.get(fresh.group(1)).status_code == 404


def test_the_list_is_newest_first_by_declaration_time(app: Any, browse: Browse) -> None:
    state = app.state.warroom
    now = state.ctx.clock.now()
    with state.db.write.begin() as session:
        for title, ago in (("Declared first", 3), ("Recorded late", 5), ("Declared last", 1)):
            lifecycle.declare(
                session,
                ctx=state.ctx,
                actor="bob",
                title=title,
                severity="P3",
                at=now - timedelta(hours=ago),
            )
    html = browse("charlie").get("/incidents?status=all").text
    order = [html.index(t) for t in ("Declared last", "Declared first", "Recorded late")]
    assert order == sorted(order)


def test_the_api_and_feeds_count_stored_overrides(app: Any, client: TestClient, as_: Any) -> None:
    body = {"person": "erin", "start": "2026-11-02T08:00:00Z", "end": "2026-11-02T20:00:00Z"}
    assert (
        client.post("/api/v1/schedules/primary/overrides", headers=as_("bob"), json=body)
    ).status_code == 201
    now = client.get("/api/v1/schedules/primary/oncall", headers=as_("charlie")).json()
    assert now["on_call"] == "erin" and now["layer"] == "override"
    listed = client.get("/api/v1/schedules", headers=as_("charlie")).json()["items"]
    assert listed[0]["on_call"] == "erin"
    feed = client.get("/api/v1/people/erin.ics", headers=as_("charlie")).text
    ends = [e.decoded("dtend") for e in icalendar.Calendar.from_ical(feed).walk("VEVENT")]
    assert datetime(2026, 11, 2, 20, tzinfo=UTC) in ends  # her week runs on until 20:00
