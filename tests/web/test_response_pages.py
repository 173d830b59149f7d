"""The room's response panel and /checks without a browser: runbooks rendered safely,
the checklist saved by hand, actions run from a form, and each check's state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import csrf_of

from warroom.clock import FrozenClock
from warroom.config import WarroomConfig, parse_config
from warroom.db.engine import Database
from warroom.db.operations import CheckDay, CheckResult, CheckState
from warroom.services.incidents import lifecycle, timeline

Browse = Callable[[str | None], TestClient]
HOSTILE = """---
title: Hostile runbook
services: [checkout]
---
## Symptoms
<script>window.pwned = 1</script> and [a link](javascript:alert(1)) and [ok](https://example.com)
"""


@pytest.fixture
def config(tmp_path: Path) -> WarroomConfig:
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "hostile.md").write_text(HOSTILE)
    return parse_config(
        {
            "runbooks_dir": str(folder),
            "actions": [
                {
                    "name": "echo",
                    "title": "Say something",
                    "argv": ["printf", "%s", "{text}"],
                    "params": {"text": {"type": "string", "default": "hello"}},
                },
                {
                    "name": "restart",
                    "title": "Restart the API",
                    "kind": "mitigation",
                    "argv": ["echo", "restarted"],
                },
            ],
            "checks": [
                {"name": "api-health", "kind": "http", "url": "http://127.0.0.1:9/health"},
            ],
        }
    )


def declare(app, service: str = "checkout") -> int:  # type: ignore[no-untyped-def]
    state = app.state.warroom
    with state.db.write.begin() as session:
        incident = lifecycle.declare(
            session,
            ctx=state.ctx,
            actor="alice",
            title="Checkout fails",
            severity="P1",
            service=service,
        )
        return incident.id


def post(client: TestClient, path: str, data: dict[str, object]) -> object:
    token = csrf_of(client.get("/").text)
    return client.post(path, data={"csrf": token, **data}, follow_redirects=False)


def test_room_renders_matched_runbooks_safely(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    incident_id = declare(app)
    page = browse("charlie").get(f"/incidents/INC-{incident_id}").text
    assert "Hostile runbook" in page
    assert "<script>window.pwned" not in page
    assert "&lt;script&gt;window.pwned" in page
    assert 'href="javascript:' not in page
    assert 'href="https://example.com"' in page
    assert "Severity assigned" in page
    assert ">Say something<" not in page  # a viewer gets no action buttons


def test_checklist_form_ticks_and_unticks_by_hand(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    incident_id = declare(app)
    bob = browse("bob")
    path = f"/incidents/INC-{incident_id}/checklist"
    shown = ["during.team_notified", "post.postmortem", "post.debrief"]
    answer = post(bob, path, {"shown": shown, "done": ["post.postmortem", "post.debrief"]})
    assert answer.status_code == 303  # type: ignore[attr-defined]
    answer = post(bob, path, {"shown": shown, "done": ["post.postmortem"]})
    with app.state.warroom.db.read() as session:
        lines = [e.text for e in timeline.events_of(session, incident_id) if e.kind == "checklist"]
    assert lines == [
        "Ticked: Post-mortem created",
        "Ticked: Team debriefed",
        "Unticked: Team debriefed",
    ]
    page = bob.get(f"/incidents/INC-{incident_id}").text
    assert 'value="post.postmortem" checked' in page
    assert post(browse("charlie"), path, {"shown": shown}).status_code == 403  # type: ignore[attr-defined]


def test_actions_run_from_the_room_and_mitigations_need_confirmation(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    incident_id = declare(app)
    bob = browse("bob")
    ran = post(bob, f"/incidents/INC-{incident_id}/actions/echo", {"param-text": "<b>hi</b>"})
    assert ran.status_code == 303  # type: ignore[attr-defined]
    page = bob.get(f"/incidents/INC-{incident_id}").text
    assert '<pre class="output">&lt;b&gt;hi&lt;/b&gt;</pre>' in page
    refused = post(bob, f"/incidents/INC-{incident_id}/actions/restart", {})
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "confirm that you mean to run it" in refused.text  # type: ignore[attr-defined]
    confirmed = post(bob, f"/incidents/INC-{incident_id}/actions/restart", {"confirm": "yes"})
    assert confirmed.status_code == 303  # type: ignore[attr-defined]
    with app.state.warroom.db.read() as session:
        lines = [
            (e.text, e.data.get("output"))
            for e in timeline.events_of(session, incident_id)
            if e.kind == "action"
        ]
    assert [output for _, output in lines] == ["<b>hi</b>", None, "restarted\n"]
    assert lines[1][0].startswith("Started ")  # a mitigation's start, before it runs


def test_checks_page_shows_state_sparkline_and_uptime(
    app, browse: Browse, clock: FrozenClock
) -> None:  # type: ignore[no-untyped-def]
    db: Database = app.state.warroom.db
    start = clock.now() - timedelta(minutes=10)
    with db.write.begin() as session:
        for n in range(10):
            at = start + timedelta(seconds=30 * n)
            session.add(
                CheckResult(
                    check_name="api-health",
                    at=at,
                    due_at=at,
                    ok=n != 7,
                    latency_ms=10 + n,
                    message="status 200" if n != 7 else "down",
                )
            )
        session.add(CheckDay(check_name="api-health", day="2026-11-02", runs=10, passed=9))
        session.add(
            CheckState(
                name="api-health",
                state="up",
                failures=0,
                successes=2,
                changed_at=start,
                last_at=start,
            )
        )
    page = browse("charlie").get("/checks").text
    assert 'id="check-api-health"' in page
    assert "state-up" in page
    assert "90.00%" in page
    assert page.count('class="spark-fail"') == 1
    assert "<polyline" in page
    api = app.state.warroom
    assert api.ctx.config.checks[0].name == "api-health"


def test_duties_page_marks_a_duty_done_and_keeps_the_record(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    bob = browse("bob")
    page = bob.get("/duties").text
    assert "Verify backups" in page and "Disaster-recovery drill" in page
    assert "Mark “Verify backups” done" in page
    answer = post(bob, "/duties/backups/done", {"note": "restored one table"})
    assert answer.status_code == 303  # type: ignore[attr-defined]
    page = bob.get("/duties").text
    assert "Done</strong> by bob" in page and "restored one table" in page
    again = post(bob, "/duties/backups/done", {})
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert "already done" in again.text  # type: ignore[attr-defined]
    viewer = browse("charlie").get("/duties").text
    assert "Mark “" not in viewer
