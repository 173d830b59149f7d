"""Recurring duties: assigned to the on-call person, reminded until done, recorded."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from tests.receivers import receiver
from typer.testing import CliRunner

from warroom.cli import app as cli_app
from warroom.clock import FrozenClock
from warroom.config import ConfigError, WarroomConfig, parse_config
from warroom.db.engine import Database
from warroom.scheduler.worker import Worker
from warroom.services.context import Context
from warroom.services.duties import board

SECRET = "duty-receiver-shared-secret"
# erin and frank take turns a week each; the tests' Monday, 2 November, is frank's week
SCHEDULE = {
    "name": "primary",
    "layers": [{"members": ["erin", "frank"], "start": "2026-10-26T09:00:00Z", "turn": "1w"}],
}


def duty_config(contact: str = "json://127.0.0.1:9/x") -> dict[str, Any]:
    return {
        "people": [
            {"name": "erin", "contacts": [contact]},
            {"name": "frank", "contacts": [contact]},
        ],
        "schedules": [SCHEDULE],
        "duties": [
            {"name": "backups", "title": "Verify backups", "every": "daily",
             "items": ["Check last night's backup"]},
            {"name": "capacity", "title": "Capacity review", "every": "monthly"},
        ],
    }  # fmt: skip


@pytest.fixture
def config() -> WarroomConfig:
    return parse_config(duty_config())


def test_defaults_cover_the_source_runbooks_preventive_checks() -> None:
    titles = {d.title: d.every.value for d in parse_config({}).duties}
    assert titles == {
        "Review error rates": "daily",
        "Verify backups": "daily",
        "Review performance trends": "weekly",
        "Update dependencies": "weekly",
        "Audit security alerts": "weekly",
        "Disaster-recovery drill": "monthly",
        "Review runbooks": "monthly",
        "Capacity review": "monthly",
    }


def test_on_call_is_reminded_until_someone_does_it(database: Database, clock: FrozenClock) -> None:
    with receiver() as hook:
        url = f"webhook+{hook.url('/frank')}?secret={SECRET}"
        ctx = Context(config=parse_config({**duty_config(url), "bundle_window": "0s"}), clock=clock)
        worker = Worker(database, ctx)
        worker.plan()  # 09:00: the first reminders are at 10:00
        worker.run_due()
        assert hook.got == []
        clock.advance(timedelta(hours=1))
        worker.run_due()
        subjects = sorted(r.json["subject"] for r in hook.got)
        assert subjects == [
            "Due: Capacity review (monthly, 2026-11)",
            "Due: Verify backups (daily, 2026-11-02)",
        ]
        with database.write.begin() as session:
            done = board.mark_done(session, ctx=ctx, name="capacity", actor="frank", note="fine")
        assert done.done is not None and done.done.by == "frank"
        clock.advance(timedelta(days=1))
        worker.run_due()
        subjects = sorted(r.json["subject"] for r in hook.got[2:])
        assert subjects == ["Due: Verify backups (daily, 2026-11-03)"]  # capacity is done


def test_board_api_and_a_second_mark_is_refused(client: Any, as_: Any) -> None:
    items = client.get("/api/v1/duties", headers=as_("charlie")).json()["items"]
    backups = next(d for d in items if d["name"] == "backups")
    assert backups["assignee"] == "frank" and backups["period"] == "2026-11-02"
    assert backups["done"] is None
    marked = client.post("/api/v1/duties/backups/done", json={"note": "ok"}, headers=as_("bob"))
    assert marked.status_code == 200, marked.text
    assert marked.json()["done"]["by"] == "bob"
    again = client.post("/api/v1/duties/backups/done", json={}, headers=as_("bob"))
    assert again.status_code == 409 and "already done" in again.json()["detail"]
    assert (
        client.post("/api/v1/duties/backups/done", json={}, headers=as_("charlie")).status_code
        == 403
    )
    assert client.post("/api/v1/duties/nope/done", json={}, headers=as_("bob")).status_code == 404


def test_duty_command(db_url: str, tmp_path: Any) -> None:
    path = tmp_path / "warroom.toml"
    path.write_text('[[duties]]\nname = "backups"\ntitle = "Verify backups"\nevery = "weekly"\n')
    runner = CliRunner(env={"WARROOM_ACTOR": "dana", "WARROOM_CONFIG": None, "COLUMNS": "200"})
    common = ["--db", db_url, "--config", str(path)]
    listed = runner.invoke(cli_app, ["duty", "ls", *common])
    assert "Verify backups" in listed.stdout and "due by" in listed.stdout
    done = runner.invoke(
        cli_app, ["duty", "done", "backups", "--note", "restored", "--json", *common]
    )
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["done"]["note"] == "restored"
    again = runner.invoke(cli_app, ["duty", "done", "backups", *common])
    assert again.exit_code == 1 and "already done" in again.stderr


def test_days_and_reminders_follow_the_schedules_time_zone(
    database: Database, clock: FrozenClock
) -> None:
    """The schedule is in Auckland (UTC+13 in November): 09:00 UTC on Monday is 22:00
    there, and its 10:00 reminder comes at 21:00 UTC."""
    with receiver() as hook:
        url = f"webhook+{hook.url('/frank')}?secret={SECRET}"
        raw = duty_config(url)
        raw["schedules"] = [{**SCHEDULE, "timezone": "Pacific/Auckland"}]
        ctx = Context(config=parse_config({**raw, "bundle_window": "0s"}), clock=clock)
        with database.read() as session:
            backups = next(d for d in board.board(session, ctx=ctx) if d.name == "backups")
        assert (backups.period, backups.timezone) == ("2026-11-02", "Pacific/Auckland")
        assert backups.due_by == clock.now() + timedelta(hours=2)  # Auckland's midnight

        worker = Worker(database, ctx)
        worker.plan()
        clock.advance(timedelta(hours=11, minutes=59))
        worker.run_due()
        assert hook.got == []
        clock.advance(timedelta(minutes=1))
        worker.run_due()
        subjects = sorted(r.json["subject"] for r in hook.got)
        assert "Due: Verify backups (daily, 2026-11-03)" in subjects


def test_a_duty_names_its_own_zone() -> None:
    duty = {"name": "x", "title": "X", "every": "daily", "timezone": "Mars/Base"}
    with pytest.raises(ConfigError) as refused:
        parse_config({"duties": [duty]})
    assert "not a known time zone" in " ".join(refused.value.problems)
