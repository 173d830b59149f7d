"""Subscribers: email through a real SMTP server on loopback (double opt-in, one-click
unsubscribe) and webhooks through a real HTTP server, per component, via the outbox."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.receivers import Mailbox, Receiver, receiver, smtp_server

from warroom.clock import FrozenClock
from warroom.config import Settings, WarroomConfig
from warroom.db.engine import Database
from warroom.db.models import Job
from warroom.db.status_models import SubscribeAttempt
from warroom.errors import Invalid
from warroom.scheduler.worker import Worker
from warroom.services.context import Context
from warroom.services.status import subscribers, webhook_hosts

from .conftest import declare, status_config, update

LINK = re.compile(r"http://127\.0\.0\.1:8080(/status/(?:confirm|unsubscribe)/[A-Za-z0-9_-]+)")


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as state:
        yield state


@pytest.fixture
def config(mailbox: Mailbox) -> WarroomConfig:
    smtp = f"mailto://127.0.0.1:{mailbox.port}?from=status@acme.example"
    return status_config(smtp_url=smtp)


def _text(envelope: Any) -> str:
    mail: Message = email.message_from_bytes(envelope.original_content)
    parts = [p for p in mail.walk() if p.get_content_type() == "text/plain"]
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return str(mail["Subject"]) + "\n" + payload.decode()


def _link(text: str, kind: str) -> str:
    found = [path for path in LINK.findall(text) if f"/{kind}/" in path]
    assert found, text
    return found[0]


def test_email_subscribers_confirm_hear_of_public_updates_and_leave_in_one_click(
    app: Any, client: TestClient, worker: Worker, mailbox: Mailbox
) -> None:
    state = app.state.warroom
    asked = client.post("/api/v1/status/subscribers", json={"email": "carol@example.com"})
    assert asked.status_code == 202
    again = client.post("/api/v1/status/subscribers", json={"email": "carol@example.com"})
    assert again.status_code == 202 and again.json() == asked.json()  # tells nothing more
    worker.run_due()
    [confirmation] = [_text(m) for m in mailbox.mails]
    assert mailbox.mails[0].rcpt_tos == ["carol@example.com"]

    incident = declare(state.db, state.ctx, "Card payments failing")
    update(state.db, state.ctx, incident, "Before confirming: not sent.", public=True)
    worker.run_due()
    assert len(mailbox.mails) == 1  # unconfirmed: nothing but the confirmation

    link = _link(confirmation, "confirm")
    shown = client.get(link)  # what a mail scanner does: it changes nothing
    assert shown.status_code == 200 and 'action="/status/confirm"' in shown.text
    token = link.rsplit("/", 1)[1]
    assert f'name="token" value="{token}"' in shown.text
    update(state.db, state.ctx, incident, "Opened by a scanner: still not sent.", public=True)
    worker.run_due()
    assert len(mailbox.mails) == 1
    confirmed = client.post("/status/confirm", data={"token": token})
    assert confirmed.status_code == 200 and "Subscribed" in confirmed.text
    update(state.db, state.ctx, incident, "Card payments fail for some; we are on it.", public=True)
    update(state.db, state.ctx, incident, "internal: retry storm from worker-3", public=False)
    worker.run_due()
    assert len(mailbox.mails) == 2
    news = _text(mailbox.mails[1])
    assert "Card payments fail for some; we are on it." in news
    assert "Card payments failing" in news
    assert "worker-3" not in news

    mail = email.message_from_bytes(mailbox.mails[1].original_content)
    leave = f"http://127.0.0.1:8080{_link(news, 'unsubscribe')}"
    assert mail["List-Unsubscribe"] == f"<{leave}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    shown = client.get(_link(news, "unsubscribe"))
    assert shown.status_code == 200 and 'action="/status/unsubscribe"' in shown.text
    update(state.db, state.ctx, incident, "Still subscribed after a scanner.", public=True)
    worker.run_due()
    assert len(mailbox.mails) == 3

    one_click = client.post(  # as a mail client does it (RFC 8058)
        _link(news, "unsubscribe"),
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200 and "Unsubscribed" in one_click.text
    update(state.db, state.ctx, incident, "Fixed.", public=True)
    worker.run_due()
    assert len(mailbox.mails) == 3
    gone = client.post("/status/confirm", data={"token": token})
    assert gone.status_code == 404  # an unsubscribed link confirms nothing


def test_webhook_subscribers_hear_only_of_their_components(
    app: Any, client: TestClient, worker: Worker, hook: Receiver
) -> None:
    state = app.state.warroom
    for path, components in (("/api-only", ["API"]), ("/web-only", ["Website"]), ("/all", [])):
        body = {"url": hook.url(path), "components": components}
        assert client.post("/api/v1/status/subscribers", json=body).status_code == 202
    incident = declare(state.db, state.ctx, "Checkout slow", service="checkout")
    update(state.db, state.ctx, incident, "Checkout takes 10 s; we are looking.", public=True)
    worker.run_due()
    assert hook.to("/web-only") == []
    for path in ("/api-only", "/all"):
        [got] = hook.to(path)
        assert got.json["incident"]["name"] == "Checkout slow"
        assert got.json["incident"]["incident_updates"][0]["body"] == (
            "Checkout takes 10 s; we are looking."
        )
        assert "/status/unsubscribe/" in got.json["meta"]["unsubscribe"]
        assert got.headers["X-Warroom-Signature"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"url": "ftp://example.com/x"}, "url"),
        ({"url": "https://example.com/x", "components": ["Nope"]}, "components"),
        ({"url": "https://example.com/x", "components": ["Internal tools"]}, "components"),
        ({}, "email"),
        ({"email": "a@example.com", "url": "https://example.com/x"}, "email"),
    ],
)
def test_bad_subscriptions_are_refused_naming_the_field(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    answer = client.post("/api/v1/status/subscribers", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert field in answer.text


def test_subscribing_too_often_is_limited(client: TestClient) -> None:
    answers = [
        client.post("/api/v1/status/subscribers", json={"email": f"x{n}@example.com"})
        for n in range(7)
    ]
    assert [a.status_code for a in answers[:5]] == [202] * 5
    assert answers[6].status_code == 429
    assert answers[6].headers["content-type"].startswith("application/problem+json")
    assert answers[6].headers["retry-after"] == "60"  # the minute's window ends then


def test_the_subscribe_limit_holds_across_two_servers_on_one_database(
    db_url: str, clock: FrozenClock, config: WarroomConfig
) -> None:
    from warroom.app import create_app

    apps = [create_app(Settings(database_url=db_url), clock=clock, config=config) for _ in "ab"]
    with TestClient(apps[0]) as one, TestClient(apps[1]) as two:
        clock.advance(timedelta(seconds=15))
        answers = [
            (one if n % 2 else two).post(
                "/api/v1/status/subscribers", json={"email": f"x{n}@example.com"}
            )
            for n in range(6)
        ]
        assert [a.status_code for a in answers] == [202] * 5 + [429]
        assert answers[5].headers["retry-after"] == "45"
        page = one.post("/status/subscribe", data={"email": "y@example.com"})
        assert page.status_code == 429 and page.headers["retry-after"] == "45"

        clock.advance(timedelta(seconds=45))  # a new minute: both take requests again
        again = two.post("/api/v1/status/subscribers", json={"email": "z@example.com"})
        assert again.status_code == 202
        with apps[0].state.warroom.db.read() as session:
            windows = session.scalars(select(SubscribeAttempt.window_start)).all()
        assert windows == [clock.now()]  # the minute gone by is forgotten


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"email": 5}',
        b'{"url": "https://example.com/x", "components": "API"}',
        b'{"email": "a@example.com", "extra": 1}',
        b'{"email": "' + b"a" * 5000 + b'@example.com"}',
        b"[]",
    ],
)
def test_malformed_subscribe_bodies_are_4xx_problems_never_500(
    client: TestClient, body: bytes
) -> None:
    answer = client.post(
        "/api/v1/status/subscribers", content=body, headers={"Content-Type": "application/json"}
    )
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_webhooks_to_private_addresses_are_refused_unless_allowed(app: Any) -> None:
    state = app.state.warroom
    strict = state.ctx.config.model_copy(
        update={
            "status_page": state.ctx.config.status_page.model_copy(
                update={"allow_private_webhooks": False}
            )
        }
    )
    ctx = Context(config=strict, clock=state.ctx.clock)
    for url in (
        "http://127.0.0.1:9/x",
        "http://10.0.0.8/x",
        "http://localhost/x",
        "http://[::1]/x",
    ):
        with state.db.write.begin() as session, pytest.raises(Invalid) as refused:
            subscribers.subscribe(session, ctx=ctx, kind="webhook", address=url)
        assert refused.value.field == "url"


def _strict(config: WarroomConfig) -> WarroomConfig:
    page = config.status_page.model_copy(update={"allow_private_webhooks": False})
    return config.model_copy(update={"status_page": page})


def _private_name() -> str:
    """This machine's own name: it resolves to a loopback or private address here."""
    name = socket.gethostname()
    if webhook_hosts.private_address(name, 80) is None:
        pytest.skip(f"{name} does not resolve to a private address on this machine")
    return name


def test_a_webhook_whose_name_resolves_to_a_private_address_is_refused(
    db_url: str, clock: FrozenClock, config: WarroomConfig, hook: Receiver
) -> None:
    from warroom.app import create_app

    url = f"http://{_private_name()}:{hook.port}/inside"
    strict = create_app(Settings(database_url=db_url), clock=clock, config=_strict(config))
    with TestClient(strict) as client:
        refused = client.post("/api/v1/status/subscribers", json={"url": url})
        assert refused.status_code == 422 and refused.json()["field"] == "url"
        assert "resolves to a private address" in refused.json()["detail"]
        form = client.post("/status/subscribe", data={"url": url})
        assert form.status_code == 422 and "private address" in form.text
        with strict.state.warroom.db.read() as session:
            assert subscribers.active(session) == []


def test_a_webhook_name_that_resolves_privately_by_delivery_time_is_not_sent_to(
    app: Any, client: TestClient, database: Database, clock: FrozenClock, hook: Receiver
) -> None:
    state = app.state.warroom  # this one allows private targets: the subscription is taken
    url = f"http://{_private_name()}:{hook.port}/rebound"
    assert client.post("/api/v1/status/subscribers", json={"url": url}).status_code == 202
    incident = declare(state.db, state.ctx, "Checkout slow")
    update(state.db, state.ctx, incident, "We are looking.", public=True)

    strict = Context(config=_strict(state.ctx.config), clock=clock)
    Worker(database, strict).run_due()  # the name resolves to loopback now: refused
    assert hook.to("/rebound") == []
    with database.read() as session:
        errors = session.scalars(select(Job.last_error).where(Job.kind == "deliver")).all()
    assert any("resolves to a private address" in (e or "") for e in errors)

    clock.advance(timedelta(minutes=1))
    Worker(database, state.ctx).run_due()  # where private targets are allowed, it goes
    [got] = hook.to("/rebound")
    assert got.json["incident"]["incident_updates"][0]["body"] == "We are looking."


def test_a_webhook_that_refuses_for_good_is_not_tried_again(
    app: Any, client: TestClient, worker: Worker, hook: Receiver
) -> None:
    state = app.state.warroom
    body = {"url": hook.url("/gone")}
    assert client.post("/api/v1/status/subscribers", json=body).status_code == 202
    incident = declare(state.db, state.ctx, "Checkout slow")
    hook.fail_with = [410]
    update(state.db, state.ctx, incident, "First word.", public=True)
    worker.run_due()
    assert hook.arrived.is_set() and hook.to("/gone") == []
    update(state.db, state.ctx, incident, "Second word.", public=True)
    worker.run_due()
    assert hook.to("/gone") == []  # it would have been taken now: it was not sent


def test_subscribers_of_a_component_hear_of_its_maintenance(
    client: TestClient, as_: Any, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    for path, components in (("/api", ["API"]), ("/web", ["Website"])):
        body = {"url": hook.url(path), "components": components}
        assert client.post("/api/v1/status/subscribers", json=body).status_code == 202
    now = clock.now()
    plan = {
        "title": "Database upgrade",
        "components": ["API"],
        "starts_at": (now + timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(),
    }
    assert (
        client.post("/api/v1/status/maintenances", json=plan, headers=as_("bob")).status_code == 201
    )
    worker.run_due()
    clock.advance(timedelta(hours=1))
    worker.run_due()
    told = [r.json["scheduled_maintenance"]["status"] for r in hook.to("/api")]
    assert told == ["scheduled", "in_progress"]
    assert hook.to("/web") == []
