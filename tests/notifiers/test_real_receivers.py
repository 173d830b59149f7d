"""Apprise transports against real servers on loopback: mail through SMTP (aiosmtpd),
form:// and json:// over HTTP; and bundling of a storm to one contact."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from urllib.parse import parse_qs

import pytest
from tests.receivers import Mailbox, Receiver, smtp_server
from tests.support import declare, events

from warroom.clock import FrozenClock
from warroom.config import WarroomConfig, parse_config
from warroom.db.engine import Database
from warroom.scheduler.worker import Worker
from warroom.services.context import Context
from warroom.services.paging import deliveries


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def config(hook: Receiver, mailbox: Mailbox) -> WarroomConfig:
    base = f"127.0.0.1:{hook.port}"
    mail = f"mailto://127.0.0.1:{mailbox.port}?from=warroom@example.com&to=oncall@example.com"
    return parse_config(
        {
            "people": [
                {"name": "alice", "contacts": [mail, f"form://{base}/alice-form"]},
                {"name": "bob", "contacts": [f"json://{base}/bob"]},
            ],
            "policies": [
                {
                    "name": "default",
                    "steps": [{"notify": ["person:alice", "person:bob"], "wait": "5m"}],
                }
            ],
            "default_policy": "default",
            "bundle_window": "1m",
        }
    )


def body_of(mail: Message) -> str:
    parts = [p for p in mail.walk() if p.get_content_type() == "text/plain"]
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def test_a_page_arrives_by_mail_by_form_and_by_json(
    database: Database, ctx: Context, worker: Worker, hook: Receiver, mailbox: Mailbox
) -> None:
    incident_id = declare(database, ctx, "Payments failing")
    worker.run_due()
    [envelope] = mailbox.mails
    assert envelope.rcpt_tos == ["oncall@example.com"]
    mail = email.message_from_bytes(envelope.content)
    assert mail["Subject"] == f"[P1] INC-{incident_id} Payments failing"
    assert "Acknowledge: http://127.0.0.1:8080/ack/" in body_of(mail)
    [form] = hook.to("/alice-form")
    assert form.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    fields = parse_qs(form.raw.decode())
    assert fields["title"] == [f"[P1] INC-{incident_id} Payments failing"]
    assert "Acknowledge:" in fields["message"][0]
    [json_page] = hook.to("/bob")
    assert json_page.json["title"] == f"[P1] INC-{incident_id} Payments failing"
    notified = [e.data["channel"] for e in events(database, incident_id) if e.kind == "notified"]
    assert sorted(notified) == ["form (127.0.0.1)", "json (127.0.0.1)", "mailto (127.0.0.1)"]


def test_a_json_receiver_that_fails_then_recovers_gets_the_page_once(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    hook.fail_with = [500, 502]  # the first two HTTP requests fail, whichever they are
    declare(database, ctx, "Queue stuck")
    worker.run_due()
    for _ in range(3):
        clock.advance(timedelta(seconds=30))
        worker.run_due()
    assert len(hook.to("/bob")) == 1
    assert len(hook.to("/alice-form")) == 1
    with database.read() as session:
        done = deliveries.list_deliveries(session, status="done")
    by_channel = {d.payload["channel"]: d.attempts for d in done}
    assert by_channel["mailto (127.0.0.1)"] == 1
    assert by_channel["json (127.0.0.1)"] + by_channel["form (127.0.0.1)"] == 4


def test_a_storm_to_one_contact_is_one_message_and_every_page_is_recorded(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    first = declare(database, ctx, "Disk full on db-1")
    worker.run_due()
    assert len(hook.to("/bob")) == 1  # the first page goes at once
    storm = [declare(database, ctx, f"Disk full on db-{n}") for n in range(2, 7)]
    worker.run_due()
    clock.advance(timedelta(seconds=59))
    worker.run_due()
    assert len(hook.to("/bob")) == 1  # held for the window
    clock.advance(timedelta(seconds=1))
    worker.run_due()
    bundled = hook.to("/bob")[1].json
    assert bundled["title"] == f"[P1] INC-{storm[0]} Disk full on db-2 … and 4 more"
    for later in storm[1:]:
        assert f"INC-{later} Disk full" in bundled["message"]
    assert bundled["message"].count("/ack/") == 5  # each page keeps its acknowledge link
    for incident_id in (first, *storm):
        notified = [
            e
            for e in events(database, incident_id)
            if e.kind == "notified" and e.data["person"] == "bob"
        ]
        assert len(notified) == 1, incident_id
    assert len(hook.to("/bob")) == 2


def test_a_restart_keeps_the_window(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    declare(database, ctx, "Cache cold")
    worker.run_due()
    declare(database, ctx, "Cache colder")
    fresh = Worker(database, ctx)  # another process, or this one after a restart
    fresh.run_due()
    assert len(hook.to("/bob")) == 1
    clock.advance(timedelta(minutes=1))
    fresh.run_due()
    assert len(hook.to("/bob")) == 2
