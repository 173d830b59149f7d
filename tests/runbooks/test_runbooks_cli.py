"""`warroom runbook`, `checklist`, `run`, `check` and `config check` as an operator uses
them, against real servers on loopback."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from tests.checks.servers import free_port, http_service, https_service, redis_server
from typer.testing import CliRunner

from warroom.cli import app as cli_app

SHELL_TRICK = "a b; echo pwned && $(id) | `ls` > /tmp/warroom-x"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"WARROOM_ACTOR": "dana", "WARROOM_CONFIG": None, "COLUMNS": "200"})


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "warroom.toml"
    path.write_text(text)
    return path


def invoke(runner: CliRunner, *args: str) -> Any:
    return runner.invoke(cli_app, list(args))


def test_runbooks_from_the_library_and_a_folder(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "queue-backlog.md").write_text(
        "---\ntitle: Queue backlog\nservices: [queue]\ntags: [backlog]\n---\n## Symptoms\nslow\n"
    )
    config = write_config(tmp_path, f'runbooks_dir = "{folder}"\n')
    listed = json.loads(invoke(runner, "runbook", "ls", "--json", "--config", str(config)).stdout)
    refs = {r["ref"] for r in listed}
    assert {"queue-backlog", "api-down", "memory-leak", "failed-migration"} <= refs
    shown = invoke(runner, "runbook", "show", "memory-leak")
    assert shown.exit_code == 0 and "## Mitigation" in shown.stdout
    missing = invoke(runner, "runbook", "show", "nope")
    assert missing.exit_code == 1 and "no runbook" in missing.stderr


def test_broken_front_matter_is_reported_with_file_and_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "broken.md").write_text("---\ntitle: Broken\nservices [api]\n---\nbody\n")
    (folder / "fine.md").write_text("---\ntitle: Fine\n---\nbody\n")
    config = write_config(tmp_path, f'runbooks_dir = "{folder}"\n')
    checked = invoke(runner, "config", "check", "--config", str(config))
    assert checked.exit_code == 1
    assert f"{folder / 'broken.md'}:3:" in checked.stderr
    listed = json.loads(invoke(runner, "runbook", "ls", "--json", "--config", str(config)).stdout)
    refs = {r["ref"] for r in listed}
    assert "fine" in refs and "broken" not in refs  # skipped, not fatal


def test_incident_runbooks_checklist_and_actions(
    runner: CliRunner, tmp_path: Path, db_url: str
) -> None:
    config = write_config(
        tmp_path,
        """
[[actions]]
name = "echo"
argv = ["printf", "%s", "{text}"]
params = { text = { type = "string" } }
""",
    )
    common = ["--db", db_url, "--config", str(config)]
    declared = invoke(
        runner,
        "declare",
        "Database connections exhausted",
        "-s",
        "P1",
        "--service",
        "db",
        *common,
    )
    assert declared.exit_code == 0, declared.stderr
    matched = invoke(runner, "runbook", "match", "INC-1", "--json", *common)
    assert json.loads(matched.stdout)[0]["runbook"]["ref"] == "db-connections"

    ticked = invoke(runner, "checklist", "INC-1", "--tick", "team_notified", "--json", *common)
    items = {i["key"]: i for i in json.loads(ticked.stdout)}
    assert items["team_notified"]["done_by"] == "dana"
    assert items["severity"]["done"] and not items["root_cause"]["done"]
    table = invoke(runner, "checklist", "INC-1", *common)
    [line] = [line for line in table.stdout.splitlines() if "Team notified" in line]
    assert "yes" in line and "dana" in line

    ran = invoke(runner, "run", "INC-1", "echo", f"text={SHELL_TRICK}", *common)
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout.strip() == SHELL_TRICK
    bad = invoke(runner, "run", "INC-1", "echo", "txt=1", *common)
    assert bad.exit_code == 1 and "no parameter 'txt'" in bad.stderr
    shown = json.loads(invoke(runner, "show", "INC-1", "--json", *common).stdout)
    action = [e for e in shown["timeline"] if e["kind"] == "action"]
    assert action[0]["data"]["output"] == SHELL_TRICK


def test_check_runs_each_kind_once_and_exits_1_on_failure(
    runner: CliRunner, tmp_path: Path
) -> None:
    closed_port = free_port()
    with http_service() as service, redis_server(tmp_path) as redis_port:
        config = write_config(
            tmp_path,
            f"""
[[checks]]
name = "api"
kind = "http"
url = "{service.url}"
body_contains = "ok"
max_response_time = "2s"

[[checks]]
name = "cache"
kind = "redis"
host = "127.0.0.1"
port = {redis_port}

[[checks]]
name = "cache-port"
kind = "tcp"
host = "127.0.0.1"
port = {redis_port}

[[checks]]
name = "true"
kind = "command"
argv = ["true"]

[[checks]]
name = "nothing-there"
kind = "tcp"
host = "127.0.0.1"
port = {closed_port}
""",
        )
        passing = invoke(
            runner, "check", "api", "cache", "cache-port", "true", "--config", str(config)
        )
        assert passing.exit_code == 0, passing.stdout
        assert "ms" in passing.stdout and "FAIL" not in passing.stdout
        every = invoke(runner, "check", "--json", "--config", str(config))
        assert every.exit_code == 1
        results = {r["name"]: r for r in json.loads(every.stdout)}
        assert not results["nothing-there"]["ok"]
        assert results["cache"]["message"] == "PONG"
        service.healthy = False
        failing = invoke(runner, "check", "api", "--config", str(config))
        assert failing.exit_code == 1 and "status 503" in failing.stdout
        unknown = invoke(runner, "check", "nope", "--config", str(config))
        assert unknown.exit_code == 1 and "no check is named nope" in unknown.stderr


@pytest.mark.skipif(
    not os.environ.get("WARROOM_TEST_DATABASE_URL"), reason="needs a PostgreSQL server"
)
def test_postgres_check_against_a_real_server(runner: CliRunner, tmp_path: Path) -> None:
    dsn = os.environ["WARROOM_TEST_DATABASE_URL"]
    config = write_config(
        tmp_path,
        f'[[checks]]\nname = "pg"\nkind = "postgres"\ndsn = "{dsn}"\n\n'
        '[[checks]]\nname = "pg-wrong"\nkind = "postgres"\n'
        f'dsn = "postgresql://nobody@127.0.0.1:{free_port()}/x"\n',
    )
    result = invoke(runner, "check", "--json", "--config", str(config))
    found = {r["name"]: r for r in json.loads(result.stdout)}
    assert found["pg"]["ok"] and not found["pg-wrong"]["ok"]


def test_config_check_names_unknown_levels_and_schedules(runner: CliRunner, tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        '[[checks]]\nname = "db"\nkind = "tcp"\nhost = "127.0.0.1"\nport = 5432\n'
        'severity = "P9"\n\n[[duties]]\nname = "backups"\ntitle = "Backups"\n'
        'every = "daily"\nschedule = "nope"\n',
    )
    checked = invoke(runner, "config", "check", "--config", str(config))
    assert checked.exit_code == 1
    assert "checks[0].severity: 'P9' is not one of" in checked.stderr
    assert "duties[0].schedule: 'nope' is not defined" in checked.stderr


def test_tls_expiry_is_checked_against_a_real_certificate(
    runner: CliRunner, tmp_path: Path
) -> None:
    with https_service(tmp_path, days=5) as (service, cert):
        config = write_config(
            tmp_path,
            f'[[checks]]\nname = "soon"\nkind = "http"\nurl = "{service.url}"\n'
            f'ca_file = "{cert}"\ntls_expiry_days = 14\n\n'
            f'[[checks]]\nname = "fine"\nkind = "http"\nurl = "{service.url}"\n'
            f'ca_file = "{cert}"\ntls_expiry_days = 3\n\n'
            f'[[checks]]\nname = "untrusted"\nkind = "http"\nurl = "{service.url}"\n',
        )
        result = invoke(runner, "check", "--json", "--config", str(config))
    found = {r["name"]: r for r in json.loads(result.stdout)}
    assert result.exit_code == 1
    assert not found["soon"]["ok"] and "expires in 4 days" in found["soon"]["message"]
    assert found["fine"]["ok"], found["fine"]
    assert (
        not found["untrusted"]["ok"]
        and "CERTIFICATE_VERIFY_FAILED" in found["untrusted"]["message"]
    )
