"""What the database keeps cannot be used to act: a sent page's acknowledge link is
dropped from the jobs table, and contact ids are keyed, not a bare hash of the URL."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.receivers import Receiver, receiver

from warroom.config import WarroomConfig, parse_config
from warroom.db.models import Job
from warroom.scheduler.worker import Worker
from warroom.services.paging import deliveries, failing_contacts

CONFIG = """
default_policy = "default"
[[people]]
name = "alice"
contacts = ["json://127.0.0.1:{port}/alice"]
[[policies]]
name = "default"
steps = [{{ notify = ["person:alice"], wait = "5m" }}]
"""


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


@pytest.fixture
def config(hook: Receiver) -> WarroomConfig:
    return parse_config(tomllib.loads(CONFIG.format(port=hook.port)))


def _page(client: TestClient, as_: Any, app: Any) -> None:
    declared = client.post(
        "/api/v1/incidents", headers=as_("bob"), json={"title": "Queue stuck", "severity": "P1"}
    )
    assert declared.status_code == 201
    Worker(app.state.warroom.db, app.state.warroom.ctx).run_due()


def test_a_sent_page_leaves_no_acknowledge_link_in_the_database(
    client: TestClient, as_: Any, app: Any, hook: Receiver
) -> None:
    _page(client, as_, app)
    [page] = hook.to("/alice")
    token = re.search(r"/ack/(\S+)", page.json["message"])
    assert token, "the page carries its acknowledge link"
    with app.state.warroom.db.read() as session:
        kept = [job.payload for job in session.scalars(select(Job))]
    assert kept and token.group(1) not in repr(kept)
    [sent] = [p for p in kept if p.get("message") == "page"]
    assert sent["person"] == "alice" and "body" not in sent  # the row stays, its text goes
    assert client.post(f"/ack/{token.group(1)}").status_code == 200  # the link still works


def test_contact_ids_are_keyed_and_old_ids_still_found(
    client: TestClient, as_: Any, app: Any, hook: Receiver
) -> None:
    url = f"json://127.0.0.1:{hook.port}/alice"
    [alice] = [p for p in client.get("/api/v1/people", headers=as_("charlie")).json()["items"]
               if p["name"] == "alice"]  # fmt: skip
    [contact] = alice["contacts"]
    unkeyed = hashlib.sha256(url.encode()).hexdigest()[:16]
    assert contact["id"] != unkeyed  # a guessed URL cannot be checked against it
    state = app.state.warroom
    with state.db.read() as session:
        assert deliveries.contact_id(session, url) == contact["id"]
        for wanted in (contact["id"], unkeyed):  # a delivery queued before keyed ids
            assert deliveries.find_contact(session, state.ctx.config, "alice", wanted) == url
        assert deliveries.find_contact(session, state.ctx.config, "alice", "0" * 16) is None
    with state.db.write.begin() as session:
        assert failing_contacts.enable(session, ctx=state.ctx, actor="admin", person="alice",
                                       contact=contact["id"]) is False  # fmt: skip
