"""The whole paging path through a real `warroom serve`: an Alertmanager webhook opens an
incident, the first person is paged, nobody answers, the next person is paged, their
acknowledge link is used, and the escalation stops. SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from tests.e2e.test_real_senders import WAIT, Warroom
from tests.receivers import Receiver
from tests.support import PAYLOADS, poll

from warroom.db.engine import open_database
from warroom.db.models import Job
from warroom.domain.signatures import HEADER, check

pytestmark = pytest.mark.slow

SECRET = "e2e-receiver-shared-secret"
CONFIG = """
bundle_window = "0s"
default_policy = "oncall"

[[severities]]
id = "P1"
name = "Page"
ack_within = "15m"

[default_route]
severity = "P1"

[[people]]
name = "alice"
contacts = ["webhook+http://127.0.0.1:{port}/alice?secret={secret}"]

[[people]]
name = "bob"
contacts = ["webhook+http://127.0.0.1:{port}/bob?secret={secret}"]

[[policies]]
name = "oncall"
repeat = 2
steps = [
  {{ notify = ["person:alice"], wait = "2s" }},
  {{ notify = ["person:bob"], wait = "6s" }},
]
"""


@pytest.fixture
def warroom(tmp_path: Path, db_url: str, hook: Receiver) -> Iterator[Warroom]:
    server = Warroom(tmp_path, db_url)
    server.config.write_text(CONFIG.format(port=hook.port, secret=SECRET))
    try:
        server.serve()
        yield server
    finally:
        server.stop_all()


def firing_alert() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((PAYLOADS / "alertmanager_webhook.json").read_text())
    body["status"] = "firing"
    for alert in body["alerts"]:
        alert["status"] = "firing"
        alert["endsAt"] = "0001-01-01T00:00:00Z"
    return body


def _page_steps_left(db_url: str) -> int:
    """Escalation steps not yet run (pending or being run)."""
    database = open_database(db_url)
    try:
        with database.read() as session:
            waiting = select(func.count()).where(
                Job.kind == "page", Job.status.in_(["pending", "running"])
            )
            return int(session.scalar(waiting) or 0)
    finally:
        database.dispose()


def test_an_alert_pages_escalates_and_an_ack_link_stops_it(
    warroom: Warroom, hook: Receiver, db_url: str
) -> None:
    integration = warroom.integration("alertmanager")
    sent = httpx.post(integration["url"], json=firing_alert(), timeout=10)
    assert sent.status_code == 202, sent.text
    [incident] = warroom.incidents()
    assert incident["status"] == "triggered"

    assert poll(lambda: hook.to("/alice"), seconds=WAIT), f"alice was not paged: {warroom.logs()}"
    page = hook.to("/alice")[0]
    now = datetime.now(UTC).timestamp()
    assert check(SECRET, page.headers[HEADER], page.raw, now=now) is None
    assert page.json["incident"] == incident["ref"]

    assert poll(lambda: hook.to("/bob"), seconds=WAIT), "nobody answered, so bob is paged next"
    ack_url = hook.to("/bob")[0].json["ack_url"]
    assert ack_url.startswith(f"{warroom.base}/ack/")
    assert "Acknowledge" in httpx.get(ack_url, timeout=10).text
    assert warroom.incident(incident["ref"])["status"] == "triggered"  # a GET changes nothing
    done = httpx.post(ack_url, timeout=10)
    assert done.status_code == 200 and "acknowledged" in done.text

    pages_then = len(hook.got)
    # The escalation's next step (alice again, after bob's wait) still runs when due; it
    # must find the incident acknowledged and page nobody.
    assert poll(lambda: _page_steps_left(db_url) == 0, seconds=20), warroom.logs()
    assert len(hook.got) == pages_then
    acked = warroom.incident(incident["ref"])
    assert acked["status"] == "acknowledged"
    timeline = acked["timeline"]
    assert [e["actor"] for e in timeline if e["kind"] == "acknowledged"] == ["bob"]
    paged = [e["data"].get("people") for e in timeline if e["kind"] == "paged"]
    assert paged == [["alice"], ["bob"]]
    notified = [e["data"]["person"] for e in timeline if e["kind"] == "notified"]
    assert notified == ["alice", "bob"]
