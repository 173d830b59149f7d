"""The responder's room without a browser: the alerts' context, search by alert labels,
the controls (status line, severity reason, resolve confirmation, take command, page
someone), the timeline's filters and pages, the declare form's errors, the dashboard."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import csrf_of

from warroom.clock import FrozenClock
from warroom.config import WarroomConfig, parse_config
from warroom.db.models import Event, Job
from warroom.services.incidents import lifecycle

Browse = Callable[[str | None], TestClient]
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"
HOST = "host1.example.com:9100"


@pytest.fixture
def config() -> WarroomConfig:
    return parse_config(
        {
            "people": [
                {"name": "dave", "contacts": ["json://127.0.0.1:9/dave"]},
                {"name": "erin", "contacts": ["json://127.0.0.1:9/erin"]},
                {"name": "frank", "contacts": ["json://127.0.0.1:9/frank"]},
            ],
            "teams": [{"name": "db", "members": ["dave", "erin"]}],
            "schedules": [
                {
                    "name": "primary",
                    "layers": [
                        {
                            "members": ["erin", "frank"],
                            "start": "2026-10-26T09:00:00Z",
                            "turn": "1w",
                        }
                    ],
                }
            ],
        }
    )


def declare(app: Any, title: str = "Checkout fails", severity: str = "P2") -> int:
    state = app.state.warroom
    with state.db.write.begin() as session:
        incident = lifecycle.declare(
            session, ctx=state.ctx, actor="alice", title=title, severity=severity
        )
        return incident.id


def post(client: TestClient, path: str, **fields: str) -> Any:
    token = csrf_of(client.get("/").text)
    return client.post(path, data={"csrf": token, **fields}, follow_redirects=False)


def texts(app: Any, incident_id: int) -> list[str]:
    with app.state.warroom.db.read() as session:
        query = select(Event.text).where(Event.incident_id == incident_id).order_by(Event.id)
        return list(session.scalars(query))


def instance_down(client: TestClient, as_: Any) -> int:
    """Alertmanager's "Instance is down" for host1, with a description and a runbook."""
    made = client.post(
        "/api/v1/integrations", headers=as_("alice"), json={"name": "am", "kind": "alertmanager"}
    ).json()
    body = json.loads((PAYLOADS / "alertmanager_webhook.json").read_text())
    alert = copy.deepcopy(body["alerts"][0])
    alert["annotations"] = {
        "summary": "Instance is down",
        "description": "host1 has not answered a scrape for 5 minutes",
        "runbook_url": "https://runbooks.example.com/instance-down",
    }
    body["alerts"] = [alert]
    answer = client.post(f"/api/v1/ingest/{made['key']}/alertmanager", content=json.dumps(body))
    assert answer.status_code < 300, answer.text
    return int(client.get("/api/v1/incidents", headers=as_("charlie")).json()["items"][0]["id"])


def test_the_room_shows_the_alerts_host_labels_description_and_links(
    app: Any, client: TestClient, as_: Any, browse: Browse
) -> None:
    incident_id = instance_down(client, as_)
    incident = client.get(f"/api/v1/incidents/{incident_id}", headers=as_("charlie")).json()
    assert incident["summary"] == "host1 has not answered a scrape for 5 minutes"
    html = browse("charlie").get(f"/incidents/INC-{incident_id}").text
    labels = html[html.index('class="key-labels"') : html.index("</ul>", html.index("key-labels"))]
    assert HOST in labels and "InstanceDown" in labels
    alerts = html[html.index('id="alerts-h"') :]
    assert "host1 has not answered a scrape for 5 minutes" in alerts
    assert "<dt>instance</dt><dd>host1.example.com:9100</dd>" in alerts
    assert "<dt>job</dt><dd>node</dd>" in alerts
    assert "from <strong>am</strong> (alertmanager)" in alerts
    runbook = 'href="https://runbooks.example.com/instance-down" rel="noopener noreferrer"'
    assert runbook in alerts and ">Runbook</a>" in alerts
    assert (
        'href="http://prometheus.example.com:9090/graph?g0.expr=up+%3D%3D+0&amp;g0.tab=1"' in alerts
    )
    assert ">Alertmanager</a>" in alerts


def test_links_that_are_not_http_are_never_links(app: Any, browse: Browse) -> None:
    from warroom.db.models import Alert, Integration

    incident_id = declare(app)
    state = app.state.warroom
    now = state.ctx.clock.now()
    with state.db.write.begin() as session:
        sender = Integration(name="gen", kind="generic", key_hash="y" * 64, created_at=now)
        session.add(sender)
        session.flush()
        session.add(
            Alert(
                integration_id=sender.id,
                incident_id=incident_id,
                dedup_key="k",
                status="firing",
                summary="Odd links",
                links=[{"href": "javascript:alert(1)", "text": "Bad"}],
                details={"silenceURL": "https://am.example.com/#/silences/new"},
                first_seen_at=now,
                last_seen_at=now,
            )
        )
    html = browse("charlie").get(f"/incidents/INC-{incident_id}").text
    assert "javascript:" not in html
    assert 'href="https://am.example.com/#/silences/new" rel="noopener noreferrer"' in html


def test_search_finds_incidents_by_their_alerts_host_and_name(
    app: Any, client: TestClient, as_: Any, browse: Browse
) -> None:
    incident_id = instance_down(client, as_)
    declare(app, "Unrelated outage")
    charlie = browse("charlie")
    for words in ("host1.example", "instancedown"):
        html = charlie.get("/incidents", params={"q": words, "status": "all"}).text
        assert f"INC-{incident_id}" in html and "Unrelated outage" not in html
    assert f"INC-{incident_id}" not in charlie.get("/incidents", params={"q": "host9"}).text


def test_a_status_change_with_a_message_shows_the_move_and_the_message(
    app: Any, browse: Browse
) -> None:
    incident_id = declare(app)
    post(browse("bob"), f"/incidents/INC-{incident_id}/status", status="identified", message="x1")
    assert texts(app, incident_id)[-1] == "Status triggered → identified: x1"


def test_the_severity_control_starts_at_the_current_level(app: Any, browse: Browse) -> None:
    incident_id = declare(app, severity="P2")
    html = browse("bob").get(f"/incidents/INC-{incident_id}").text
    assert re.search(r'<option value="P2" selected>P2 · [^<]*\(now\)</option>', html)
    assert "A reason is needed to raise it to P0 or P1." in html


def test_raising_to_the_top_two_levels_needs_a_reason(app: Any, browse: Browse) -> None:
    incident_id = declare(app, severity="P2")
    bob = browse("bob")
    refused = post(bob, f"/incidents/INC-{incident_id}/severity", severity="P1", reason=" ")
    assert refused.status_code == 422
    assert 'id="severity-reason-error" role="alert">Say why' in refused.text
    assert "Severity raised" not in " ".join(texts(app, incident_id))
    post(bob, f"/incidents/INC-{incident_id}/severity", severity="P3")  # lowering: no reason
    post(bob, f"/incidents/INC-{incident_id}/severity", severity="P0", reason="All regions")
    assert texts(app, incident_id)[-1] == "Severity raised P3 → P0: All regions"


def test_resolving_a_p1_asks_for_confirmation(app: Any, browse: Browse) -> None:
    grave, minor = declare(app, severity="P1"), declare(app, severity="P3")
    bob = browse("bob")
    assert 'id="resolve-confirm"' in bob.get(f"/incidents/INC-{grave}").text
    assert 'id="resolve-confirm"' not in bob.get(f"/incidents/INC-{minor}").text
    refused = post(bob, f"/incidents/INC-{grave}/resolve", message="Fixed")
    assert refused.status_code == 422 and 'id="resolve-confirm-error"' in refused.text
    post(bob, f"/incidents/INC-{grave}/resolve", message="Fixed", confirm="on")
    post(bob, f"/incidents/INC-{minor}/resolve")
    with app.state.warroom.db.read() as session:
        assert lifecycle.get(session, grave).status == "resolved"
        assert lifecycle.get(session, minor).status == "resolved"


def test_take_command_is_one_click_for_the_signed_in_person(app: Any, browse: Browse) -> None:
    incident_id = declare(app)
    bob = browse("bob")
    assert ">Take command</button>" in bob.get(f"/incidents/INC-{incident_id}").text
    answer = post(bob, f"/incidents/INC-{incident_id}/command")
    assert answer.status_code == 303
    with app.state.warroom.db.read() as session:
        assert lifecycle.get(session, incident_id).commander == "bob"
    assert ">Take command</button>" not in bob.get(f"/incidents/INC-{incident_id}").text


def test_role_holders_are_chosen_from_known_people(app: Any, browse: Browse) -> None:
    incident_id = declare(app)
    html = browse("bob").get(f"/incidents/INC-{incident_id}").text
    picker = html[
        html.index('<select id="role-person"') : html.index("</select>", html.index("role-person"))
    ]
    assert [f'<option value="{n}"' in picker for n in ("dave", "erin", "frank")] == [True] * 3


def test_page_someone_from_the_room_goes_through_the_outbox(app: Any, browse: Browse) -> None:
    incident_id = declare(app)
    bob = browse("bob")
    html = bob.get(f"/incidents/INC-{incident_id}").text
    assert '<option value="team:db">db (team)</option>' in html
    assert '<option value="schedule:primary">primary (on call)</option>' in html
    assert post(bob, f"/incidents/INC-{incident_id}/page", target="person:dave").status_code == 303
    post(bob, f"/incidents/INC-{incident_id}/page", target="schedule:primary")
    assert texts(app, incident_id)[-2:] == ["bob paged dave", "bob paged frank (schedule:primary)"]
    with app.state.warroom.db.read() as session:
        sends = session.scalars(select(Job.payload).where(Job.kind == "deliver")).all()
    assert sorted(p["person"] for p in sends) == ["dave", "frank"]
    refused = post(bob, f"/incidents/INC-{incident_id}/page", target="team:nope")
    assert refused.status_code == 404 and "There is no team called" in refused.text


def test_the_api_and_cli_page_someone(app: Any, client: TestClient, as_: Any) -> None:
    incident_id = declare(app)
    path = f"/api/v1/incidents/INC-{incident_id}/page"
    answer = client.post(path, headers=as_("bob"), json={"target": "team:db"})
    assert answer.status_code == 200 and answer.json()["paged"] == ["dave", "erin"]
    bad = client.post(path, headers=as_("bob"), json={"target": "pager:x"})
    assert bad.status_code == 422 and bad.json()["field"] == "target"
    assert (
        client.post(path, headers=as_("charlie"), json={"target": "person:dave"}).status_code == 403
    )


def test_the_timeline_filters_and_pages_its_whole_length(app: Any, browse: Browse) -> None:
    incident_id = declare(app)
    state = app.state.warroom
    with state.db.write.begin() as session:
        for n in range(150):
            lifecycle.post_update(
                session, ctx=state.ctx, actor="bob", incident_id=incident_id, message=f"note {n}"
            )
    charlie = browse("charlie")
    first = charlie.get(f"/incidents/INC-{incident_id}").text
    assert "note 149" in first and "note 10<" not in first and "page 1 of 2" in first
    assert f'href="/incidents/INC-{incident_id}?show=all&amp;page=2">Older entries' in first
    second = charlie.get(f"/incidents/INC-{incident_id}?show=all&page=2").text
    assert "note 10<" in second and "Declared P2" in second and "note 149" not in second
    people = charlie.get(f"/incidents/INC-{incident_id}?show=alerts").text
    assert "Nothing here yet." in people and "note 149" not in people


def test_the_declare_form_reports_every_error_at_once(browse: Browse) -> None:
    bob = browse("bob")
    token = csrf_of(bob.get("/incidents/new").text)
    answer = bob.post("/incidents/new", data={"csrf": token, "title": " ", "severity": ""})
    assert answer.status_code == 422
    assert "2 things to fix" in answer.text
    assert 'id="title-error" role="alert">Say what is broken' in answer.text
    assert 'id="severity-error" role="alert">Choose a severity.' in answer.text


def test_the_dashboard_puts_unacknowledged_incidents_first_within_a_level(
    app: Any, browse: Browse, clock: FrozenClock
) -> None:
    waiting = declare(app, "Waiting for someone", "P1")
    seen = declare(app, "Someone is on it", "P1")
    state = app.state.warroom
    with state.db.write.begin() as session:
        lifecycle.acknowledge(session, ctx=state.ctx, actor="bob", incident_id=seen)
    html = browse("charlie").get("/").text
    assert html.index(f"INC-{waiting}") < html.index(f"INC-{seen}")
    row = html[html.index(f"INC-{waiting}") - 200 : html.index(f"INC-{waiting}")]
    assert 'class="unacked"' in row and "needs acknowledgement" in html
    clock.advance(timedelta(minutes=40))  # past both deadlines
    html = browse("charlie").get("/").text
    late_update = html[html.index(f"INC-{seen}") :]
    late_update = late_update[: late_update.index("</tr>")]
    assert re.search(r'class="update-cell"><span class="countdown overdue"', late_update)
    late_ack = html[html.index(f"INC-{waiting}") :]
    late_ack = late_ack[: late_ack.index("</tr>")]
    assert 'data-label="Ack due"><span class="countdown overdue"' in late_ack


def test_the_cli_pages_someone(db_url: str) -> None:
    from typer.testing import CliRunner

    from warroom.cli import app as cli_app

    runner = CliRunner(env={"WARROOM_ACTOR": "dana", "WARROOM_CONFIG": None})
    db = ["--db", db_url]
    person = ["person", "add", "gus", "--contact", "json://127.0.0.1:9/gus", *db]
    assert runner.invoke(cli_app, person).exit_code == 0
    assert (
        runner.invoke(cli_app, ["declare", "Queue stuck", "--severity", "P2", *db]).exit_code == 0
    )
    paged = runner.invoke(cli_app, ["page", "INC-1", "person:gus", "--json", *db])
    assert paged.exit_code == 0, paged.output
    assert json.loads(paged.stdout)["paged"] == ["gus"]
    shown = json.loads(runner.invoke(cli_app, ["show", "1", "--json", *db]).stdout)
    assert shown["timeline"][-1]["text"] == "dana paged gus"
    refused = runner.invoke(cli_app, ["page", "INC-1", "person:nobody", *db])
    assert refused.exit_code == 1 and "no person called 'nobody'" in refused.stderr


def test_a_grafana_alert_keeps_its_name_runbook_and_silence_link(
    client: TestClient, as_: Any, browse: Browse
) -> None:
    made = client.post(
        "/api/v1/integrations", headers=as_("alice"), json={"name": "gf", "kind": "grafana"}
    ).json()
    body = (PAYLOADS / "grafana_webhook.json").read_text()
    answer = client.post(f"/api/v1/ingest/{made['key']}/grafana", content=body)
    assert answer.status_code < 300, answer.text
    found = client.get("/api/v1/incidents", headers=as_("charlie")).json()["items"]
    html = browse("charlie").get(f"/incidents/{found[-1]['ref']}").text
    assert 'alertname</span> <span class="label-value">High memory usage' in html
    assert 'href="https://myrunbook.com/runbook/1234" rel="noopener noreferrer"' in html
    assert re.search(
        r'href="https://[^"]+" rel="noopener noreferrer" target="_blank">Silence<', html
    )


def test_search_takes_percent_and_underscore_literally_in_any_case(
    app: Any, browse: Browse
) -> None:
    declare(app, "Error RATE at 50% in eu")
    declare(app, "Error rate 500 everywhere")
    charlie = browse("charlie")
    found = charlie.get("/incidents", params={"q": "rate at 50%", "status": "all"}).text
    assert "50% in eu" in found and "500 everywhere" not in found
    assert "No incidents match." in charlie.get("/incidents", params={"q": "rate_"}).text
