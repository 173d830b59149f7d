"""What a new user meets first on the command line: lists as tables without Python
literals, one JSON time form, readable usage lines and --version, read commands that do not
make a database, role holders checked against the people warroom knows, the demo's
contacts kept to the demo, and the README's "Using it" running as written."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from warroom.cli import app as cli_app
from warroom.services import demo

ROOT = Path(__file__).resolve().parents[2]
PYTHON_LITERAL = re.compile(r"\b(None|True|False)\b")
TIME = re.compile(r'"(\d{4}-\d\d-\d\dT[^"]+)"')
PEOPLE_CONFIG = """
[[people]]
name = "alice"

[[people]]
name = "bob"
"""
SCHEDULE_CONFIG = """
[[people]]
name = "alice"

[[schedules]]
name = "primary"
  [[schedules.layers]]
  members = ["alice"]
  start = "2026-01-05T09:00:00Z"
  turn = "1w"
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(
        env={"WARROOM_ACTOR": "dana", "WARROOM_CONFIG": None, "WARROOM_DATABASE_URL": None}
    )


@pytest.fixture
def wr(runner: CliRunner, db_url: str):  # type: ignore[no-untyped-def]
    def run(*args: str) -> Any:
        return runner.invoke(cli_app, [*args, "--db", db_url])

    return run


def config_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "warroom.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def fill(wr: Any, client: TestClient) -> None:
    """One of everything a list command shows."""
    for argv in (
        ("declare", "Checkout returns 500", "--severity", "P1", "--service", "checkout"),
        ("token", "create", "ci", "--role", "responder"),
        ("user", "create", "erin", "--role", "viewer", "--password", "erin-password-1"),
        ("person", "add", "frank", "--contact", "json://127.0.0.1:9/frank"),
        ("team", "add", "db", "--member", "frank"),
        ("notify", "test", "frank"),
    ):
        result = wr(*argv)
        assert result.exit_code == 0, (argv, result.stderr)
    made = json.loads(wr("integration", "create", "g", "--kind", "generic", "--json").stdout)
    alert = {"summary": "Queue backlog", "dedup_key": "q1", "labels": {"alertname": "Backlog"}}
    assert client.post(f"/api/v1/ingest/{made['key']}/generic", json=alert).status_code == 202


LISTS = [
    ("ls", "--status", "all"),
    ("alerts",),
    ("deliveries",),
    ("token", "ls"),
    ("user", "ls"),
    ("person", "ls"),
    ("team", "ls"),
    ("integration", "ls"),
]


def test_every_list_prints_a_table_and_never_a_python_literal(wr: Any, client: TestClient) -> None:
    fill(wr, client)
    for argv in LISTS:
        result = wr(*argv)
        assert result.exit_code == 0, (argv, result.stderr)
        header = result.stdout.splitlines()[0]
        assert "NAME" in header or "REF" in header or "INCIDENT" in header or "ID" in header
        assert not PYTHON_LITERAL.search(result.stdout), (argv, result.stdout)
        assert not re.search(r"\w=\S", result.stdout), (argv, result.stdout)


def test_json_times_have_one_form_ending_in_z(
    wr: Any, client: TestClient, runner: CliRunner, tmp_path: Path
) -> None:
    fill(wr, client)
    shown = [wr(*argv, "--json").stdout for argv in LISTS]
    shown.append(wr("show", "INC-1", "--json").stdout)
    config = config_file(tmp_path, SCHEDULE_CONFIG)
    shown.append(runner.invoke(cli_app, ["oncall", "--json", "--config", config]).stdout)
    times = [moment for text in shown for moment in TIME.findall(text)]
    assert len(times) > 10
    assert all(moment.endswith("Z") for moment in times), times


def test_serve_help_explains_the_public_url(runner: CliRunner) -> None:
    text = runner.invoke(cli_app, ["serve", "--help"], terminal_width=200).stdout
    assert "WARROOM_PUBLIC_URL" in text and "http://HOST:PORT" in text


def test_listing_by_an_unknown_status_names_open_and_all(wr: Any) -> None:
    result = wr("ls", "--status", "bogus")
    assert result.exit_code == 1
    assert "status 'bogus' is not one of open, all, triggered" in result.stderr


def test_version_and_usage_lines_read_like_a_usual_command_line(runner: CliRunner) -> None:
    version = runner.invoke(cli_app, ["--version"])
    assert version.exit_code == 0 and re.fullmatch(r"warroom \d+\.\d+\.\d+\S*\n", version.stdout)
    for argv, usage in (
        (["declare", "--help"], "warroom declare [OPTIONS] TITLE"),
        (["assign", "--help"], "warroom assign [OPTIONS] REF ROLE PERSON"),
        (["alerts", "--help"], "warroom alerts [OPTIONS] [REF]"),
    ):
        text = runner.invoke(cli_app, argv, terminal_width=200).stdout
        assert usage in text, text
        assert not re.search(r"[{}]|<(bool|str|path|int)", text), text
        assert re.search(r"--json\s+Print JSON", text), text


def test_read_commands_refuse_a_database_that_does_not_exist(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for argv in [*LISTS, ("show", "INC-1")]:
        result = runner.invoke(cli_app, list(argv))
        assert result.exit_code == 1, (argv, result.stdout)
        assert "warroom.db" in result.stderr and "does not exist" in result.stderr
        assert not (tmp_path / "warroom.db").exists(), argv
    elsewhere = runner.invoke(cli_app, ["ls", "--db", f"sqlite:///{tmp_path}/gone.db"])
    assert elsewhere.exit_code == 1 and "gone.db" in elsewhere.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_lock_file_next_to_a_database_is_ignored_by_git() -> None:
    patterns = (ROOT / ".gitignore").read_text().split()
    assert any(fnmatch.fnmatch("warroom.db.writelock", p) for p in patterns)


def test_an_unknown_commander_is_warned_of_or_refused_when_the_config_lists_people(
    wr: Any, tmp_path: Path
) -> None:
    declared = wr("declare", "Disk full", "--severity", "P2", "--commander", "zed")
    assert declared.exit_code == 0
    assert "warning: 'zed' is not a person warroom knows" in declared.stderr
    config = config_file(tmp_path, PEOPLE_CONFIG)
    refused = wr("declare", "Disk full", "-s", "P2", "--commander", "zed", "--config", config)
    assert refused.exit_code == 1 and refused.stdout == ""
    assert "'zed' is not a person warroom knows: alice, bob" in refused.stderr
    assigned = wr("assign", "INC-1", "scribe", "zoe", "--config", config)
    assert assigned.exit_code == 1 and "'zoe' is not a person warroom knows" in assigned.stderr
    known = wr("assign", "INC-1", "scribe", "bob", "--config", config)
    assert known.exit_code == 0 and known.stderr == ""


def test_demo_inboxes_are_contacts_of_the_demo_config_alone(
    wr: Any, runner: CliRunner, tmp_path: Path
) -> None:
    checked = runner.invoke(cli_app, ["config", "check", "--config", str(demo.config_path())])
    assert checked.exit_code == 0, checked.stderr
    own = config_file(tmp_path, '[[people]]\nname = "alice"\ncontacts = ["demo://inbox/alice"]\n')
    refused = runner.invoke(cli_app, ["config", "check", "--config", own])
    assert refused.exit_code == 1
    assert "people[0].contacts[0]" in refused.stderr and "only in the demo" in refused.stderr
    added = wr("person", "add", "erin", "--contact", "demo://inbox/erin")
    assert added.exit_code == 1 and "only in the demo" in added.stderr


def using_it() -> list[str]:
    """The shell lines of the README's "Using it" block."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Using it") :]
    block = section[section.index("```sh\n") + 6 : section.index("```\n", 10)]
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def test_the_readme_using_it_runs_as_written_on_the_database_it_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env: dict[str, str | None] = {"WARROOM_CONFIG": None, "WARROOM_DATABASE_URL": None}
    for line in using_it():
        words = shlex.split(line)
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            env[name] = value
            continue
        assert words[0] == "warroom", line
        assert env["WARROOM_DATABASE_URL"] != "sqlite:///warroom.db", "that is the demo's"
        result = CliRunner(env=env).invoke(cli_app, words[1:])
        assert result.exit_code == 0, (line, result.stdout, result.stderr)
    shown = json.loads(CliRunner(env=env).invoke(cli_app, ["show", "INC-1", "--json"]).stdout)
    actors = {entry["kind"]: entry["actor"] for entry in shown["timeline"]}
    assert shown["incident"]["severity"] == "P0"
    assert actors["acknowledged"] == "bob" and actors["declared"] == env["WARROOM_ACTOR"]
