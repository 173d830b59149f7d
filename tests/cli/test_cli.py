"""The `warroom` command as an operator uses it: every incident verb, --json for scripts,
exit codes 0 (done), 1 (refused, reason on stderr) and 2 (usage), and the config checks.

The CLI reads the system clock, so times here are relative to the real now.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.support import iso
from typer.testing import CliRunner

from warroom.cli import app as cli_app
from warroom.db.engine import open_database
from warroom.db.models import ApiToken


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"WARROOM_ACTOR": "dana", "WARROOM_CONFIG": None, "COLUMNS": "200"})


@pytest.fixture
def wr(runner: CliRunner, db_url: str):  # type: ignore[no-untyped-def]
    """wr("ack", "1") runs `warroom ack 1 --db <test db>` and returns the click Result."""

    def run(*args: str, db: bool = True) -> Any:
        argv = [*args, "--db", db_url] if db else list(args)
        return runner.invoke(cli_app, argv)

    return run


@pytest.fixture
def wj(wr):  # type: ignore[no-untyped-def]
    """wj(...) runs with --json, insists on exit 0, and returns the parsed output."""

    def run(*args: str) -> Any:
        result = wr(*args, "--json")
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return json.loads(result.stdout)

    return run


def ts(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def refused(result: Any, *phrases: str) -> None:
    """Exit 1 with the reason on stderr (and nothing on stdout)."""
    assert result.exit_code == 1, (result.stdout, result.stderr)
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr
    assert result.stdout == ""


def usage_error(result: Any, *phrases: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr


def kinds(shown: dict[str, Any]) -> list[str]:
    return [e["kind"] for e in shown["timeline"]]


# --- declare ---------------------------------------------------------------------------


def test_declare_prints_the_new_ref_and_exits_0(wr):
    result = wr("declare", "Disk full on db-1", "--severity", "P1")
    assert result.exit_code == 0, result.stderr
    assert "INC-1 declared" in result.stdout
    assert "Disk full on db-1" in result.stdout


def test_declare_json_has_every_field_the_api_has(wj):
    before = datetime.now(UTC)
    incident = wj(
        "declare",
        "Checkout down",
        "--severity",
        "p1",
        "--service",
        "checkout",
        "--summary",
        "All orders fail",
        "--impact",
        "No sales",
        "--commander",
        "alice",
    )
    assert incident["ref"] == "INC-1"
    assert incident["severity"] == "P1"
    assert incident["status"] == "triggered"
    assert incident["service"] == "checkout"
    assert incident["summary"] == "All orders fail"
    assert incident["impact"] == "No sales"
    assert incident["roles"]["commander"] == "alice"
    declared = ts(incident["declared_at"])
    assert before - timedelta(seconds=1) <= declared <= datetime.now(UTC)
    assert incident["channel"] == f"incident-{declared:%Y-%m-%d}-checkout-down"
    assert ts(incident["ack_due_at"]) == declared + timedelta(minutes=15)


def test_declare_without_severity_is_a_usage_error(wr, wj):
    usage_error(wr("declare", "No level"), "--severity")
    assert wj("ls", "--status", "all")["items"] == []


def test_declare_with_an_unknown_severity_is_refused_naming_it(wr, wj):
    refused(wr("declare", "x", "--severity", "P7"), "'P7'", "P0, P1, P2, P3")
    assert wj("ls", "--status", "all")["items"] == []


def test_declare_with_an_empty_title_is_refused(wr, wj):
    refused(wr("declare", "   ", "--severity", "P2"), "title")
    assert wj("ls", "--status", "all")["items"] == []


def test_declare_back_dated_with_at_keeps_the_true_time(wj):
    started = (datetime.now(UTC) - timedelta(minutes=20)).replace(microsecond=0)
    incident = wj("declare", "Late report", "--severity", "P1", "--at", iso(started))
    assert ts(incident["declared_at"]) == started
    assert ts(incident["ack_due_at"]) == started + timedelta(minutes=15)
    shown = wj("show", "INC-1")
    assert shown["timeline"][0]["late"] is True


@pytest.mark.parametrize("at", ["yesterday", "2026-13-01T00:00:00Z", "2026-11-02T09:00:00"])
def test_a_bad_at_is_a_usage_error(wr, wj, at):
    usage_error(wr("declare", "x", "--severity", "P1", "--at", at), "--at")
    assert wj("ls", "--status", "all")["items"] == []


def test_an_at_in_the_future_is_refused(wr, wj):
    future = iso(datetime.now(UTC) + timedelta(hours=1))
    refused(wr("declare", "x", "--severity", "P1", "--at", future), "future")
    assert wj("ls", "--status", "all")["items"] == []


# --- acting on an incident ---------------------------------------------------------------


def test_ack_by_number_or_ref_records_who_acknowledged(wr, wj):
    wj("declare", "Disk full", "--severity", "P1")
    result = wr("ack", "INC-1", "--by", "erin")
    assert result.exit_code == 0, result.stderr
    assert "INC-1 acknowledged" in result.stdout
    shown = wj("show", "1")
    assert shown["incident"]["status"] == "acknowledged"
    assert shown["timeline"][-1]["kind"] == "acknowledged"
    assert shown["timeline"][-1]["actor"] == "erin"


def test_the_actor_defaults_to_warroom_actor(wj):
    wj("declare", "Disk full", "--severity", "P1")
    wj("ack", "1")
    assert {e["actor"] for e in wj("show", "1")["timeline"]} == {"dana"}


def test_acking_twice_is_refused_and_says_why(wr, wj):
    wj("declare", "Disk full", "--severity", "P1")
    wj("ack", "1")
    refused(wr("ack", "1"), "INC-1", "already acknowledged")
    assert kinds(wj("show", "1")) == ["declared", "acknowledged"]


def test_a_back_dated_ack_is_late_on_the_timeline(wj):
    start = (datetime.now(UTC) - timedelta(minutes=30)).replace(microsecond=0)
    wj("declare", "Disk full", "--severity", "P1", "--at", iso(start))
    acked = start + timedelta(minutes=4)
    incident = wj("ack", "1", "--at", iso(acked))
    assert ts(incident["acknowledged_at"]) == acked
    event = wj("show", "1")["timeline"][-1]
    assert event["kind"] == "acknowledged"
    assert event["late"] is True
    assert ts(event["at"]) == acked


def test_status_moves_forward_with_a_message(wj):
    wj("declare", "Disk full", "--severity", "P1")
    incident = wj("status", "1", "identified", "--message", "Log rotation broke")
    assert incident["status"] == "identified"
    assert incident["acknowledged_at"] is not None
    assert wj("show", "1")["timeline"][-1]["text"] == (
        "Status triggered → identified: Log rotation broke"
    )


def test_an_illegal_transition_is_refused_naming_both_statuses(wr, wj):
    wj("declare", "Disk full", "--severity", "P1")
    wj("status", "1", "investigating")
    refused(wr("status", "1", "acknowledged"), "already acknowledged")
    refused(wr("status", "1", "triggered"), "cannot move from investigating to triggered")
    assert wj("show", "1")["incident"]["status"] == "investigating"


def test_an_unknown_status_is_refused_naming_it(wr, wj):
    wj("declare", "Disk full", "--severity", "P1")
    refused(wr("status", "1", "fixed"), "'fixed'")


def test_updates_are_internal_unless_public(wj):
    wj("declare", "Disk full", "--severity", "P1")
    wj("update", "1", "Freeing space")
    wj("update", "INC-1", "We are working on it", "--public")
    updates = [e for e in wj("show", "1")["timeline"] if e["kind"] == "update"]
    assert [(e["text"], e["visibility"]) for e in updates] == [
        ("Freeing space", "internal"),
        ("We are working on it", "public"),
    ]


def test_severity_change_records_the_reason(wr, wj):
    wj("declare", "Disk full", "--severity", "P2")
    incident = wj("severity", "1", "P0", "--reason", "Writes failing everywhere")
    assert incident["severity"] == "P0"
    event = wj("show", "1")["timeline"][-1]
    assert event["kind"] == "severity"
    assert "Writes failing everywhere" in event["text"]
    refused(wr("severity", "1", "P9"), "'P9'", "P0, P1, P2, P3")
    assert wj("show", "1")["incident"]["severity"] == "P0"


def test_raising_to_a_top_level_without_a_reason_is_refused_naming_the_option(wr, wj):
    wj("declare", "Disk full", "--severity", "P2")
    refused(wr("severity", "1", "P0"), "Say why INC-1 is raised to P0", "--reason")
    assert wj("show", "1")["incident"]["severity"] == "P2"
    assert wj("severity", "1", "P3")["severity"] == "P3"  # lowering needs no reason


def test_assign_gives_each_role(wr, wj):
    wj("declare", "Disk full", "--severity", "P1")
    for role, person in [
        ("commander", "alice"),
        ("comms", "carol"),
        ("scribe", "sam"),
        ("responder", "bob"),
    ]:
        assert wr("assign", "1", role, person).exit_code == 0
    roles = wj("show", "1")["incident"]["roles"]
    assert roles == {"commander": "alice", "comms": "carol", "scribe": "sam", "responders": ["bob"]}
    refused(wr("assign", "1", "captain", "zed"), "'captain'")


def test_resolve_reopen_close(wr, wj):
    wj("declare", "Disk full", "--severity", "P1")
    resolved = wj("resolve", "1", "--message", "Disk grown")
    assert resolved["status"] == "resolved"
    assert ts(resolved["postmortem_due_at"]) == ts(resolved["resolved_at"]) + timedelta(days=2)
    reopened = wj("reopen", "1")
    assert reopened["status"] == "investigating"
    assert reopened["resolved_at"] is None
    refused(wr("reopen", "1"), "INC-1", "monitoring or resolved")
    wj("resolve", "1")
    refused(wr("close", "1"), "needs a published post-mortem")  # a P1's, before it closes
    closed = wj("close", "1", "--override", "Disk growth needs no write-up")
    assert closed["status"] == "closed"
    assert closed["closed_at"] is not None
    refused(wr("update", "1", "too late"), "closed")
    assert kinds(wj("show", "1")) == ["declared", "status", "reopened", "status", "status"]


def test_acting_on_an_unknown_incident_is_refused_naming_it(wr):
    refused(wr("ack", "INC-42"), "INC-42 does not exist")
    refused(wr("show", "42"), "INC-42 does not exist")


def test_a_ref_that_is_not_a_ref_is_refused(wr):
    refused(wr("show", "banana"), "'banana'", "INC-42")


# --- reading -----------------------------------------------------------------------------


def test_ls_filters_by_status_severity_and_service(wj):
    wj("declare", "One", "--severity", "P1", "--service", "api")
    wj("declare", "Two", "--severity", "P2", "--service", "api")
    wj("declare", "Three", "--severity", "P1", "--service", "web")
    wj("resolve", "3")

    def refs(*args: str) -> list[str]:
        page = wj("ls", *args)
        assert set(page) == {"items", "next_cursor"}
        return [i["ref"] for i in page["items"]]

    assert refs() == ["INC-2", "INC-1"]  # open by default, newest first
    assert refs("--status", "all") == ["INC-3", "INC-2", "INC-1"]
    assert refs("--status", "resolved") == ["INC-3"]
    assert refs("--status", "all", "--severity", "P1") == ["INC-3", "INC-1"]
    assert refs("--service", "api") == ["INC-2", "INC-1"]


def test_ls_pages_with_a_cursor(wj):
    for n in range(3):
        wj("declare", f"Incident {n}", "--severity", "P3")
    first = wj("ls", "--limit", "2")
    assert [i["ref"] for i in first["items"]] == ["INC-3", "INC-2"]
    second = wj("ls", "--limit", "2", "--cursor", first["next_cursor"])
    assert [i["ref"] for i in second["items"]] == ["INC-1"]
    assert second["next_cursor"] is None


def test_ls_prints_a_table_for_people(wr, wj):
    wj("declare", "Disk full", "--severity", "P1", "--service", "db")
    result = wr("ls")
    assert result.exit_code == 0
    assert "INC-1" in result.stdout and "Disk full" in result.stdout and "db" in result.stdout
    empty = wr("ls", "--status", "closed")
    assert "No incidents match" in empty.stdout


def test_ls_with_an_unknown_severity_is_refused(wr):
    refused(wr("ls", "--severity", "P7"), "'P7'")


def test_show_json_has_the_incident_and_its_timeline(wj):
    wj("declare", "Disk full", "--severity", "P1", "--commander", "alice")
    wj("ack", "1")
    shown = wj("show", "INC-1")
    assert set(shown) == {"incident", "timeline"}
    assert shown["incident"]["ref"] == "INC-1"
    assert kinds(shown) == ["declared", "role", "acknowledged"]
    assert set(shown["timeline"][0]) >= {
        "at",
        "recorded_at",
        "late",
        "actor",
        "kind",
        "text",
        "visibility",
    }


def test_show_prints_the_incident_and_timeline_for_people(wr, wj):
    wj("declare", "Disk full", "--severity", "P1", "--commander", "alice")
    wj("update", "1", "Cleaning logs", "--public")
    result = wr("show", "1")
    assert result.exit_code == 0
    out = result.stdout
    assert "INC-1" in out and "Disk full" in out
    assert "alice" in out and "Cleaning logs" in out and "public" in out


def test_the_database_may_come_from_the_environment(runner, db_url):
    result = runner.invoke(
        cli_app,
        ["declare", "From env", "--severity", "P3", "--json"],
        env={"WARROOM_DATABASE_URL": db_url},
    )
    assert result.exit_code == 0, result.stderr
    listed = runner.invoke(cli_app, ["ls", "--json", "--db", db_url])
    assert [i["title"] for i in json.loads(listed.stdout)["items"]] == ["From env"]


def test_an_unreachable_database_is_refused_not_a_traceback(wr, tmp_path):
    result = wr("ls", "--db", f"sqlite:///{tmp_path}/no/such/dir/x.db", db=False)
    refused(result, "database")


# --- tokens ------------------------------------------------------------------------------


def test_token_create_json_returns_the_token_once_and_stores_only_its_hash(wj, db_url):
    created = wj("token", "create", "grafana", "--role", "viewer")
    assert set(created) == {"name", "role", "token"}
    assert created["name"] == "grafana" and created["role"] == "viewer"
    database = open_database(db_url)
    try:
        with database.read() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.name == "grafana"))
    finally:
        database.dispose()
    assert row is not None
    assert row.token_hash != created["token"]
    assert row.token_hash == hashlib.sha256(created["token"].encode()).hexdigest()
    listed = wj("token", "ls")
    assert created["token"] not in json.dumps(listed)
    assert [t["name"] for t in listed["items"]] == ["grafana"]


def test_a_token_made_by_the_cli_opens_the_api_with_its_role(wj, client):
    plain = wj("token", "create", "ops", "--role", "responder")["token"]
    headers = {"Authorization": f"Bearer {plain}"}
    response = client.post(
        "/api/v1/incidents", json={"title": "via api", "severity": "P2"}, headers=headers
    )
    assert response.status_code == 201
    assert client.get("/api/v1/tokens", headers=headers).status_code == 403


def test_token_create_refuses_a_bad_role_or_a_duplicate_name(wr, wj):
    refused(wr("token", "create", "x", "--role", "root"), "'root'")
    wj("token", "create", "x", "--role", "admin")
    refused(wr("token", "create", "x", "--role", "admin"), "'x'", "already exists")
    usage_error(wr("token", "create", "y"), "--role")


def test_token_revoke_marks_it_revoked(wr, wj):
    wj("token", "create", "old", "--role", "viewer")
    assert wr("token", "revoke", "old").exit_code == 0
    assert wj("token", "ls")["items"][0]["revoked_at"] != "-"
    refused(wr("token", "revoke", "never-was"), "'never-was'")


# --- config ------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "warroom.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_check_prints_one_line_per_mistake_naming_where(runner, tmp_path):
    path = write(
        tmp_path,
        """
[business_hours]
timezone = "Mars/Olympus"

[[severities]]
id = "P1"
name = "High"
ack_within = "soon"
colour = "red"

[[severities]]
id = "P2"
name = "Medium"
ack_within = "1h"
update_every = 30
""",
    )
    result = runner.invoke(cli_app, ["config", "check", "--config", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 4, lines
    assert all(line.startswith(f"{path}: ") for line in lines)
    joined = "\n".join(lines)
    assert "business_hours.timezone: 'Mars/Olympus'" in joined
    assert "severities[0].ack_within: 'soon' is not a duration" in joined
    assert "severities[0].colour: unknown key" in joined
    assert "severities[1].update_every" in joined and "unit" in joined


def test_config_check_names_each_paging_mistake(runner, tmp_path):
    path = write(
        tmp_path,
        """
admins = ["person:zed"]
escalation_targets = { manager = "carol" }

[[people]]
name = "alice"
contacts = ["nosuchscheme://x", "json://127.0.0.1:9/alice"]

[[teams]]
name = "sre"
members = ["alice", "bob"]

[[policies]]
name = "default"
steps = [ { notify = ["schedule:primary"], wait = "5m" } ]

[[services]]
name = "checkout"
policy = "gone"
""",
    )
    result = runner.invoke(cli_app, ["config", "check", "--config", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 6, lines
    joined = "\n".join(lines)
    assert "people[0].contacts[0]:" in joined
    assert "teams[0]: 'bob' is not in people" in joined
    assert "policies[0].steps[0]: 'schedule:primary' is not defined" in joined
    assert "escalation_targets.manager: 'carol' must be person:NAME" in joined
    assert "admins[0]: 'person:zed' is not defined" in joined
    assert "services[0].policy: policy 'gone' is not defined" in joined


def test_config_check_names_each_template_override_mistake(runner, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "update.txt.j2").write_text("{{ ref }} news\n{{ text }}\n")  # fine
    (templates / "pages.txt.j2").write_text("{{ ref }}\n")  # a typo: overrides nothing
    (templates / "resolved.txt.j2").write_text("{{ ref }} resolved\n{% if x %}open\n")
    path = write(tmp_path, f'templates_dir = "{templates}"\n')
    result = runner.invoke(cli_app, ["config", "check", "--config", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, lines
    assert "pages.txt.j2 overrides no message (page.txt.j2, " in lines[0]
    assert "resolved.txt.j2, line 2:" in lines[1]
    (templates / "pages.txt.j2").rename(templates / "page.txt.j2")
    (templates / "resolved.txt.j2").write_text("{{ ref }} resolved\nall clear\n")
    assert runner.invoke(cli_app, ["config", "check", "--config", str(path)]).exit_code == 0
    missing = write(tmp_path, f'templates_dir = "{tmp_path / "nowhere"}"\n')
    result = runner.invoke(cli_app, ["config", "check", "--config", str(missing)])
    assert result.exit_code == 1
    assert "templates_dir: " in result.stderr and "is not a folder" in result.stderr


def test_config_check_refuses_a_wait_that_is_not_positive(runner, tmp_path):
    path = write(
        tmp_path,
        """
[[people]]
name = "alice"

[[policies]]
name = "default"
steps = [ { notify = ["person:alice"], wait = "-5m" }, { notify = ["person:alice"], wait = "0s" } ]
""",
    )
    result = runner.invoke(cli_app, ["config", "check", "--config", str(path)])
    assert result.exit_code == 1
    joined = result.stderr
    assert "policies[0].steps[0].wait" in joined
    assert "policies[0].steps[1].wait" in joined


def test_config_check_reports_toml_syntax_and_missing_files(runner, tmp_path):
    broken = write(tmp_path, "[[severities]\nid = ")
    result = runner.invoke(cli_app, ["config", "check", "--config", str(broken)])
    assert result.exit_code == 1
    assert "not valid TOML" in result.stderr
    missing = runner.invoke(cli_app, ["config", "check", "--config", str(tmp_path / "no.toml")])
    assert missing.exit_code == 1
    assert "file not found" in missing.stderr


def test_config_check_accepts_a_good_file(runner, tmp_path):
    path = write(tmp_path, 'preset = "sev1-sev4"\n')
    result = runner.invoke(cli_app, ["config", "check", "--config", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["severities"] == ["SEV1", "SEV2", "SEV3", "SEV4"]


def test_config_show_prints_the_effective_severities_as_json(runner):
    result = runner.invoke(cli_app, ["config", "show"])
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert [s["id"] for s in shown["severities"]] == ["P0", "P1", "P2", "P3"]
    assert shown["severities"][1]["ack_within"] == "15m"
    assert shown["preset"] == "p0-p3"


def test_commands_follow_the_config_file_severities(wr, wj, runner, tmp_path, db_url):
    path = write(tmp_path, 'preset = "sev1-sev4"\n')
    result = runner.invoke(
        cli_app,
        [
            "declare",
            "Big one",
            "--severity",
            "SEV1",
            "--json",
            "--db",
            db_url,
            "--config",
            str(path),
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["severity"] == "SEV1"
    refused(wr("declare", "Other", "--severity", "SEV1"), "'SEV1'", "P0, P1, P2, P3")


def test_db_upgrade_succeeds_on_an_up_to_date_database(wr):
    result = wr("db", "upgrade")
    assert result.exit_code == 0, result.stderr
    assert "up to date" in result.stdout
