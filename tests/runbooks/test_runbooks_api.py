"""Runbooks, checklists and actions through the API, as a responder sees them."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from warroom.config import WarroomConfig, parse_config

BASE = "/api/v1/incidents"
SHELL_TRICK = "; touch /tmp/warroom-pwned && echo $(id) `uname` | cat > x"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with three commits: what "recent deploys" reads."""
    path = tmp_path / "repo"
    path.mkdir()
    env = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    for n in range(3):
        (path / "f.txt").write_text(str(n))
        subprocess.run(["git", "-C", str(path), "add", "."], check=True)
        subprocess.run(["git", "-C", str(path), *env, "commit", "-qm", f"deploy {n}"], check=True)
    return path


@pytest.fixture
def config(repo: Path) -> WarroomConfig:
    return parse_config(
        {
            "actions": [
                {
                    "name": "echo",
                    "title": "Echo a text",
                    "argv": ["printf", "%s", "{text}"],
                    "params": {"text": {"type": "string"}},
                },
                {
                    "name": "recent-deploys",
                    "argv": ["git", "log", "--oneline", "-{count}"],
                    "params": {"count": {"type": "int", "default": 10}},
                    "cwd": str(repo),
                },
                {"name": "slow", "argv": ["sleep", "5"], "timeout": "300ms"},
                {"name": "chatty", "argv": ["seq", "1", "100000"], "output_cap": 100},
                {"name": "missing", "argv": ["no-such-program-warroom"]},
                {
                    "name": "restart",
                    "kind": "mitigation",
                    "argv": ["echo", "restarting", "{service}"],
                    "params": {"service": {"type": "choice", "choices": ["api", "web"]}},
                },
                {"name": "admin-only", "argv": ["true"], "roles": ["admin"]},
                {
                    "name": "environment",
                    "argv": ["env"],
                    "env": {"PGPASSWORD": "declared-for-this-action"},
                },
            ]
        }
    )


def declare(client: Any, headers: dict[str, str], **fields: Any) -> str:
    body = {"title": "Checkout API returns 500", "severity": "P1", **fields}
    response = client.post(BASE, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["ref"])


def run(client: Any, headers: dict[str, str], ref: str, name: str, **body: Any) -> Any:
    return client.post(f"{BASE}/{ref}/actions/{name}", json=body, headers=headers)


def timeline(client: Any, headers: dict[str, str], ref: str) -> list[dict[str, Any]]:
    return list(client.get(f"{BASE}/{ref}/timeline", headers=headers).json()["items"])


def test_runbook_library_and_matching(client: Any, as_: Any) -> None:
    listed = client.get("/api/v1/runbooks", headers=as_("charlie")).json()["items"]
    assert len(listed) >= 11
    assert {"api-down", "db-connections", "payment-failures", "bad-deploy"} <= {
        r["ref"] for r in listed
    }
    one = client.get("/api/v1/runbooks/db-connections", headers=as_("charlie")).json()
    assert "## Investigation" in one["body"]
    assert client.get("/api/v1/runbooks/nope", headers=as_("charlie")).status_code == 404

    ref = declare(client, as_("bob"), title="Payments fail at checkout", service="payments")
    matched = client.get(f"{BASE}/{ref}/runbooks", headers=as_("charlie")).json()["items"]
    assert matched[0]["runbook"]["ref"] == "payment-failures"
    assert "service payments" in matched[0]["reasons"]


def test_checklist_ticks_itself_and_by_hand(client: Any, as_: Any) -> None:
    ref = declare(client, as_("bob"), commander="alice")
    items = client.get(f"{BASE}/{ref}/checklist", headers=as_("charlie")).json()["items"]
    by_key = {i["key"]: i for i in items}
    assert by_key["severity"]["done"] and by_key["commander"]["done"]
    assert by_key["commander"]["event_id"] is not None
    assert not by_key["root_cause"]["done"]
    assert not by_key["postmortem"]["done"]

    client.post(f"{BASE}/{ref}/status", json={"status": "identified"}, headers=as_("bob"))
    items = client.get(f"{BASE}/{ref}/checklist", headers=as_("charlie")).json()["items"]
    by_key = {i["key"]: i for i in items}
    assert by_key["root_cause"]["done"] and by_key["investigation"]["done"]
    assert not by_key["fix_applied"]["done"]

    ticked = client.post(f"{BASE}/{ref}/checklist/post.postmortem", json={}, headers=as_("bob"))
    assert ticked.status_code == 200, ticked.text
    assert ticked.json()["done_by"] == "bob"
    line = timeline(client, as_("bob"), ref)[-1]
    assert line["kind"] == "checklist" and "Post-mortem created" in line["text"]

    refused = client.post(f"{BASE}/{ref}/checklist/postmortem", json={}, headers=as_("charlie"))
    assert refused.status_code == 403
    unknown = client.post(f"{BASE}/{ref}/checklist/nope", json={}, headers=as_("bob"))
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "item"


def test_action_output_lands_on_the_timeline(client: Any, as_: Any) -> None:
    ref = declare(client, as_("bob"))
    answer = run(client, as_("bob"), ref, "recent-deploys", params={"count": 2})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["exit_code"] == 0
    assert "deploy 2" in result["output"] and "deploy 1" in result["output"]
    assert "deploy 0" not in result["output"]
    line = timeline(client, as_("bob"), ref)[-1]
    assert line["kind"] == "action"
    assert line["data"]["output"] == result["output"]
    assert "exit 0" in line["text"]


def test_an_action_gets_its_declared_variables_and_none_of_warrooms(
    client: Any, as_: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", "postgresql://warroom:server-secret@db/warroom")
    ref = declare(client, as_("bob"))
    output = run(client, as_("bob"), ref, "environment").json()["output"]
    assert "PGPASSWORD=declared-for-this-action" in output
    assert "server-secret" not in output and "WARROOM_" not in output
    assert "PATH=" in output


def test_shell_metacharacters_stay_one_literal_argument(client: Any, as_: Any) -> None:
    ref = declare(client, as_("bob"))
    result = run(client, as_("bob"), ref, "echo", params={"text": SHELL_TRICK}).json()
    assert result["output"] == SHELL_TRICK
    assert not Path("/tmp/warroom-pwned").exists()


def test_bad_runs_are_clear_errors_never_hangs(client: Any, as_: Any) -> None:
    ref = declare(client, as_("bob"))
    unknown = run(client, as_("bob"), ref, "echo", params={"text": "x", "extra": "y"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "params.extra"
    wrong = run(client, as_("bob"), ref, "recent-deploys", params={"count": "ten"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "params.count"
    assert run(client, as_("bob"), ref, "no-such", params={}).status_code == 404

    slow = run(client, as_("bob"), ref, "slow").json()
    assert slow["timed_out"] and slow["exit_code"] is None
    chatty = run(client, as_("bob"), ref, "chatty").json()
    assert chatty["truncated"] and len(chatty["output"]) == 100
    missing = run(client, as_("bob"), ref, "missing").json()
    assert "no such program" in missing["error"]
    texts = [e["text"] for e in timeline(client, as_("bob"), ref) if e["kind"] == "action"]
    assert any("Did not run echo: echo has no parameter 'extra'" in t for t in texts)
    assert any("count must be a whole number" in t for t in texts)
    assert any("timed out" in t for t in texts)
    assert any("no such program" in t for t in texts)
    assert any("output cut at 100" in t for t in texts)


def test_mitigation_asks_for_confirmation_and_roles_hold(client: Any, as_: Any) -> None:
    ref = declare(client, as_("bob"))
    unconfirmed = run(client, as_("bob"), ref, "restart", params={"service": "api"})
    assert unconfirmed.status_code == 422 and unconfirmed.json()["field"] == "confirm"
    confirmed = run(client, as_("bob"), ref, "restart", params={"service": "api"}, confirm=True)
    assert confirmed.json()["output"].strip() == "restarting api"
    started, ran = [line["text"] for line in timeline(client, as_("bob"), ref)[-2:]]
    assert (started, ran) == ("Started restart (service=api)", "Ran restart (service=api): exit 0")
    assert run(client, as_("charlie"), ref, "echo", params={"text": "x"}).status_code == 403
    assert run(client, as_("bob"), ref, "admin-only").status_code == 403
    assert run(client, as_("alice"), ref, "admin-only").json()["exit_code"] == 0
    listed = client.get("/api/v1/actions", headers=as_("charlie")).json()["items"]
    assert [a["confirm"] for a in listed if a["name"] == "restart"] == [True]
