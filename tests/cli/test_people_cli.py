"""`warroom person …` and `warroom team …` against a real database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from warroom.cli import app as cli_app

CONFIG = """
[[people]]
name = "alice"
[[teams]]
name = "sre"
members = ["alice"]
"""


@pytest.fixture
def run(db_url: str, tmp_path: Path) -> Any:
    config = tmp_path / "warroom.toml"
    config.write_text(CONFIG)
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(cli_app, [*args, "--db", db_url, "--config", str(config)])

    return invoke


def test_people_are_added_listed_and_removed(run: Any) -> None:
    added = run(
        "person",
        "add",
        "erin",
        "--timezone",
        "Europe/Oslo",
        "--email",
        "e@example.com",
        "--contact",
        "json://127.0.0.1:9/erin",
        "--contact",
        "ntfy://warroom-test",
        "--json",
    )
    assert added.exit_code == 0, added.stderr
    assert [c["channel"] for c in json.loads(added.stdout)["contacts"]] == [
        "json (127.0.0.1)",
        "ntfy",
    ]
    listed = json.loads(run("person", "ls", "--json").stdout)["items"]
    assert [(p["name"], p["source"], p["timezone"]) for p in listed] == [
        ("alice", "config", "UTC"),
        ("erin", "api", "Europe/Oslo"),
    ]
    table = run("person", "ls")
    assert "erin" in table.stdout and "ntfy" in table.stdout
    assert run("person", "rm", "erin").stdout.strip() == "person erin removed"
    assert [p["name"] for p in json.loads(run("person", "ls", "--json").stdout)["items"]] == [
        "alice"
    ]


def test_mistakes_are_one_line_naming_the_field(run: Any) -> None:
    bad = run("person", "add", "erin", "--contact", "nonsense://x")
    assert bad.exit_code == 1 and bad.stderr.startswith("error: contacts[0]: ")
    zone = run("person", "add", "erin", "--timezone", "Nowhere/Town")
    assert zone.exit_code == 1 and "timezone:" in zone.stderr
    clash = run("person", "add", "alice")
    assert clash.exit_code == 1 and "config file" in clash.stderr
    missing = run("person", "rm", "zed")
    assert missing.exit_code == 1 and "no person named 'zed'" in missing.stderr
    assert "Traceback" not in bad.stderr + zone.stderr + clash.stderr + missing.stderr


def test_teams_are_added_listed_and_removed(run: Any) -> None:
    run("person", "add", "erin")
    added = run("team", "add", "db", "--member", "alice", "--member", "erin", "--json")
    assert json.loads(added.stdout) == {"name": "db", "source": "api", "members": ["alice", "erin"]}
    listed = json.loads(run("team", "ls", "--json").stdout)["items"]
    assert [(t["name"], t["source"]) for t in listed] == [("sre", "config"), ("db", "api")]
    busy = run("person", "rm", "erin")
    assert busy.exit_code == 1 and "member of team db" in busy.stderr
    unknown = run("team", "add", "web", "--member", "zed")
    assert unknown.exit_code == 1 and "members: 'zed'" in unknown.stderr
    assert run("team", "rm", "db", "--json").exit_code == 0
    assert run("team", "rm", "sre").exit_code == 1


def test_a_disabled_contact_is_turned_back_on(run: Any, db_url: str) -> None:
    from datetime import UTC, datetime

    from warroom.db.engine import open_database
    from warroom.db.models import DisabledContact

    added = run("person", "add", "erin", "--contact", "json://127.0.0.1:9/erin", "--json")
    [contact] = json.loads(added.stdout)["contacts"]
    database = open_database(db_url)
    with database.write.begin() as session:  # as a send refused for good leaves it
        session.add(
            DisabledContact(
                person="erin",
                url="json://127.0.0.1:9/erin",
                reason="HTTP 410",
                disabled_at=datetime.now(UTC),
            )
        )
    database.dispose()
    assert "json (127.0.0.1) (disabled)" in run("person", "ls").stdout
    enabled = run("person", "enable-contact", "erin", contact["id"])
    assert (enabled.exit_code, enabled.stdout.strip()) == (
        0,
        f"contact {contact['id']} of erin enabled again",
    )
    assert "(disabled)" not in run("person", "ls").stdout
    again = run("person", "enable-contact", "erin", contact["id"], "--json")
    assert json.loads(again.stdout)["was_disabled"] is False
    unknown = run("person", "enable-contact", "erin", "nope")
    assert unknown.exit_code == 1
    assert "'nope'" in unknown.stderr and "contact" in unknown.stderr
