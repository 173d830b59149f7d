"""Upstream vendors: a Statuspage summary.json served from loopback; a followed component
going down opens an incident on the mapped service with the vendor's text and link, its
recovery resolves it, and the vendor can show as a component of our page."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from warroom.clock import FrozenClock
from warroom.config import WarroomConfig, parse_config
from warroom.db.engine import Database
from warroom.db.models import Event, Incident
from warroom.scheduler import upstreams
from warroom.services.context import Context
from warroom.services.status import upstreams as vendors

from .conftest import STATUS_PAGE, declare

SUMMARY = json.loads(
    (Path(__file__).resolve().parents[1] / "payloads" / "statuspage_summary.json").read_text()
)


class Vendor:
    def __init__(self) -> None:
        self.summary: Any = self.healthy()
        self.port = 0

    @staticmethod
    def healthy() -> Any:
        found = copy.deepcopy(SUMMARY)
        for component in found["components"]:
            component["status"] = "operational"
        found["incidents"] = []
        return found

    def down(self) -> None:
        self.summary = copy.deepcopy(SUMMARY)  # API partial_outage, Management Portal major


@pytest.fixture
def vendor() -> Iterator[Vendor]:
    state = Vendor()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(state.summary).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def config(vendor: Vendor) -> WarroomConfig:
    upstream = {
        "name": "GitHub",
        "url": f"http://127.0.0.1:{vendor.port}/api/v2/summary.json",
        "poll_every": "30s",
        "components": ["API"],
        "service": "checkout",
        "severity": "P2",
        "show": True,
    }
    return parse_config({"status_page": STATUS_PAGE, "upstreams": [upstream]})


def _incidents(database: Database) -> list[Incident]:
    with database.read() as session:
        return list(session.scalars(select(Incident).order_by(Incident.id)))


def test_a_vendor_outage_opens_an_incident_and_its_recovery_resolves_it(
    database: Database,
    ctx: Context,
    clock: FrozenClock,
    vendor: Vendor,
    app: Any,
    client: TestClient,
) -> None:
    assert upstreams.poll_due(database, ctx) == 1
    assert _incidents(database) == []
    assert upstreams.poll_due(database, ctx) == 0  # not due again yet

    vendor.down()
    clock.advance(timedelta(seconds=30))
    upstreams.poll_due(database, ctx)
    [incident] = _incidents(database)
    assert incident.title == "GitHub: Unplanned Database Outage"
    assert incident.service == "checkout" and incident.severity == "P2"
    assert "http://stspg.co:5000/Q0E" in incident.summary
    assert "ham sandwiches" in incident.summary
    clock.advance(timedelta(seconds=2))
    shown = {
        c["name"]: c["status"] for c in client.get("/api/v2/components.json").json()["components"]
    }
    assert shown["GitHub"] == "partial_outage"

    clock.advance(timedelta(seconds=30))
    upstreams.poll_due(database, ctx)  # the same outage: nothing new
    assert len(_incidents(database)) == 1

    vendor.summary = Vendor.healthy()
    clock.advance(timedelta(seconds=30))
    upstreams.poll_due(database, ctx)
    [resolved] = _incidents(database)
    assert resolved.status == "resolved"


def test_a_vendor_outage_notes_the_incident_already_open_on_the_service(
    database: Database, ctx: Context, clock: FrozenClock, vendor: Vendor
) -> None:
    ours = declare(database, ctx, "Checkout errors", service="checkout")
    vendor.down()
    upstreams.poll_due(database, ctx)
    assert len(_incidents(database)) == 1
    with database.read() as session:
        notes = session.scalars(
            select(Event.text).where(Event.incident_id == ours, Event.actor == "upstream")
        ).all()
    assert any("Unplanned Database Outage" in n for n in notes)
    vendor.summary = Vendor.healthy()
    clock.advance(timedelta(seconds=30))
    upstreams.poll_due(database, ctx)
    [still] = _incidents(database)
    assert still.status != "resolved"  # not ours to resolve


def test_an_unreadable_vendor_is_noted_and_opens_nothing(
    database: Database, ctx: Context, vendor: Vendor
) -> None:
    vendor.summary = {"not": "a summary"}
    upstreams.poll_due(database, ctx)
    assert _incidents(database) == []
    with database.read() as session:
        [state] = vendors.states(session).values()
        assert state.error and "not a Statuspage summary" in state.error
        shown = vendors.board(session, ctx)
    assert [(v.status, v.error is not None) for v in shown] == [("unknown", True)]
