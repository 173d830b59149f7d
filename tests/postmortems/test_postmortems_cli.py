"""The post-mortem, action item and report commands as an operator uses them: drafts,
$EDITOR edits, publish, export to the runbooks' path, `actions`, `report --csv`.
The CLI reads the system clock, so times here are relative to the real now."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import markdown
from tests.cli.test_cli import iso, refused
from typer.testing import CliRunner

from warroom.cli import app as cli_app


def resolved(wr: Any, wj: Any) -> str:
    """A P1 written up after the fact: declared 3 h ago, acknowledged 10 min in, resolved
    an hour in."""
    start = datetime.now(UTC) - timedelta(hours=3)
    ref: str = wj("declare", "Disk full on db-1", "-s", "P1", "--at", iso(start))["ref"]
    wj("ack", ref, "--at", iso(start + timedelta(minutes=10)))
    wj("update", ref, "Deleting old WAL segments", "--at", iso(start + timedelta(minutes=20)))
    wj("resolve", ref, "--message", "Space freed", "--at", iso(start + timedelta(minutes=60)))
    return ref


def test_draft_edit_in_the_editor_publish_and_close(
    wr: Any, wj: Any, db_url: str, tmp_path: Path
) -> None:
    ref = resolved(wr, wj)
    refused(wr("close", ref), "needs a published post-mortem")
    draft = wj("postmortem", ref, "draft")
    assert draft["state"] == "draft" and draft["author"] == "dana"
    editor = tmp_path / "editor.sh"
    editor.write_text(
        '#!/bin/sh\nsed -i "s/^## Lessons learned$/## Lessons learned\\n\\n- Alert at 80%/" "$1"\n'
    )
    editor.chmod(0o755)
    editing = CliRunner(
        env={"WARROOM_ACTOR": "erin", "EDITOR": str(editor), "WARROOM_CONFIG": None}
    )
    edited = editing.invoke(cli_app, ["postmortem", ref, "edit", "--db", db_url])
    assert edited.exit_code == 0, edited.stderr
    shown = wr("postmortem", ref)
    assert "- Alert at 80%" in shown.stdout
    versions = wj("postmortem", ref, "versions")
    assert [(v["number"], v["author"]) for v in versions] == [(2, "erin"), (1, "dana")]
    assert "+- Alert at 80%" in wr("postmortem", ref, "diff").stdout
    assert wj("postmortem", ref, "review")["state"] == "in_review"
    assert wj("postmortem", ref, "publish")["state"] == "published"
    assert wj("close", ref)["status"] == "closed"


def test_export_writes_the_runbooks_path_as_markdown_that_renders(
    wr: Any, wj: Any, tmp_path: Path
) -> None:
    ref = resolved(wr, wj)
    wj("postmortem", ref, "draft")
    result = wr("postmortem", ref, "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    [written] = (tmp_path / "reports" / "incidents").iterdir()
    declared = datetime.now(UTC) - timedelta(hours=3)
    assert written.name == f"{declared:%Y-%m-%d}-disk-full-on-db-1.md"
    html = markdown.markdown(written.read_text(), extensions=["tables"])
    timeline = html.split("<h2>Timeline</h2>")[1].split("<h2>")[0]
    assert (
        timeline.index("Acknowledged by dana")
        < timeline.index("Deleting old WAL")
        < timeline.index("Space freed")
    )


def test_an_admin_override_closes_with_the_reason_on_the_timeline(wr: Any, wj: Any) -> None:
    ref = resolved(wr, wj)
    wj("close", ref, "--override", "Duplicate of INC-0 review")
    shown = wj("show", ref)
    assert "Duplicate of INC-0 review" in shown["timeline"][-1]["text"]


def test_refusals_name_the_problem(wr: Any, wj: Any) -> None:
    ref = wj("declare", "Still burning", "-s", "P1")["ref"]
    refused(wr("postmortem", ref, "draft"), "not resolved")
    assert wj("postmortem", ref, "draft", "--unresolved")["state"] == "draft"
    refused(wr("postmortem", "INC-x"), "not an incident reference")
    refused(wr("postmortem", "INC-99"), "INC-99 does not exist")
    refused(
        wr("action", "add", ref, "Fix", "--owner", "ghost", "--due", "2099-01-01T00:00:00Z"),
        "owner 'ghost'",
    )


def test_actions_listed_by_owner_and_overdue(wr: Any, wj: Any) -> None:
    ref = resolved(wr, wj)
    wj("person", "add", "erin", "--contact", "json://127.0.0.1:9/erin")
    due = iso(datetime.now(UTC) + timedelta(days=5))
    made = wj(
        "action",
        "add",
        ref,
        "Alert on disk at 80%",
        "--owner",
        "erin",
        "--due",
        due,
        "--kind",
        "detect",
    )
    refused(
        wr("action", "add", ref, "Late", "--owner", "erin", "--due", "2020-01-01T00:00:00Z"),
        "in the past",
    )
    assert [i["title"] for i in wj("actions", "--owner", "erin")] == ["Alert on disk at 80%"]
    assert wj("actions", "--overdue") == []
    issue = wr("action", "issue", str(made["id"]))
    assert (
        issue.stdout.startswith("### Alert on disk at 80%") and "**Kind:** detect" in issue.stdout
    )
    assert wj("action", "done", str(made["id"]))["status"] == "done"
    assert wj("actions") == []
    assert len(wj("actions", "--status", "all")) == 1


def test_report_as_json_csv_and_table(wr: Any, wj: Any) -> None:
    resolved(wr, wj)
    report = wj("report", "--since", "1d", "--by", "severity")
    assert report["rows"][0]["key"] == "P1"
    assert (
        report["rows"][0]["mtta_seconds"] == 600.0 and report["rows"][0]["mttr_seconds"] == 3600.0
    )
    text = wr("report", "--since", "1d", "--by", "severity", "--csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[:3] == ["severity", "incidents", "acknowledged"]
    assert rows[0]["mttr_seconds"] == "3600.0"
    table = wr("report", "--since", "1d", "--by", "severity")
    assert "10m" in table.stdout and "1h" in table.stdout
    empty = wr("report", "--since", "2025-01-01", "--until", "2025-01-02", "--json")
    assert empty.exit_code == 0 and json.loads(empty.stdout)["rows"] == []
    refused(wr("report", "--by", "weather"), "by 'weather'")


def test_similar_lists_past_incidents_with_how_they_ended(wr: Any, wj: Any) -> None:
    past = resolved(wr, wj)
    fresh = wj("declare", "Disk full on db-2", "-s", "P1")["ref"]
    [found] = wj("similar", fresh)
    assert found["ref"] == past and found["how"] == "resolved in 1h: Space freed"
    assert "Space freed" in wr("similar", fresh).stdout


def test_an_admins_post_mortem_template_is_checked_and_drafts_from_it(
    runner: CliRunner, db_url: str, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    template = templates / "postmortem.md.j2"
    template.write_text("# {{ ref }} review\n{% for line in timeline %}\n")  # not closed
    config = tmp_path / "warroom.toml"
    config.write_text(f'templates_dir = "{templates}"\n')
    checked = runner.invoke(cli_app, ["config", "check", "--config", str(config)])
    assert checked.exit_code == 1 and "postmortem.md.j2, line 2:" in checked.stderr
    template.write_text(
        "# {{ ref }} review\n\n{% for line in timeline %}- {{ line.text }}\n{% endfor %}"
    )
    assert runner.invoke(cli_app, ["config", "check", "--config", str(config)]).exit_code == 0

    def run(*args: str) -> Any:
        result = runner.invoke(cli_app, [*args, "--db", db_url, "--config", str(config), "--json"])
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    ref = run("declare", "Queue stuck", "-s", "P2")["ref"]
    run("resolve", ref, "--message", "Restarted the consumer")
    drafted = run("postmortem", ref, "draft")
    assert drafted["body"] == (
        f"# {ref} review\n\n- Declared P2 (Medium): Queue stuck\n"
        "- Status triggered → resolved: Restarted the consumer\n"
    )


def test_action_items_come_from_the_post_mortem_text(wr: Any, wj: Any, tmp_path: Path) -> None:
    ref = resolved(wr, wj)
    wj("person", "add", "erin", "--contact", "json://127.0.0.1:9/erin")
    body = wj("postmortem", ref, "draft")["body"]
    due = f"{datetime.now(UTC) + timedelta(days=7):%Y-%m-%d}"
    text = body.replace(
        "## Lessons learned",
        f"- [ ] Alert at 80% disk (detect, owner erin, due {due})\n\n## Lessons learned",
    )
    edited = tmp_path / "pm.md"
    edited.write_text(text)
    assert wj("postmortem", ref, "edit", "--file", str(edited))["version"] == 2
    [made] = wj("postmortem", ref, "actions")
    assert (made["title"], made["owner"], made["kind"]) == ("Alert at 80% disk", "erin", "detect")
    assert wj("postmortem", ref, "actions") == []
