"""Acknowledge links: tokens read `<incident id>.<secret>` and are found by incident and
hash; links sent before migration 0007 (a bare secret) keep working until they expire,
found through ack_tokens_legacy, never by a scan of ack_tokens."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import bindparam, event, insert, select, text
from sqlalchemy.orm import Session
from tests.conftest import PG_BASE, drop_pg_database, fresh_pg_database
from tests.support import declare, kinds, run

from warroom.clock import FrozenClock
from warroom.db.engine import Database, open_database
from warroom.db.migrate import HEAD, alembic_config, current_revision, upgrade
from warroom.db.models import AckToken, AckTokenLegacy
from warroom.db.types import UTCDateTime
from warroom.domain.incidents import Status
from warroom.errors import Conflict, NotFound
from warroom.services.context import Context
from warroom.services.incidents import lifecycle
from warroom.services.paging import ack_links

NOT_VALID = "This acknowledge link is not valid."


def link_for(database: Database, ctx: Context, incident_id: int, person: str = "bob") -> str:
    [token] = run(
        database, lambda s: ack_links.issue_all(s, ctx=ctx, wanted=[(incident_id, person)])
    )
    return token


def redeem(database: Database, ctx: Context, token: str) -> tuple[str, bool]:
    incident, now = run(database, lambda s: ack_links.redeem(s, ctx=ctx, token=token))
    return incident.status, now


def status_of(database: Database, incident_id: int) -> str:
    with database.read() as session:
        return lifecycle.get(session, incident_id).status


def legacy_row(
    token: str, incident_id: int, clock: FrozenClock, **changes: object
) -> dict[str, object]:
    """A link as the code before 0007 stored it: the sha256 of a bare token_urlsafe(24)."""
    now = clock.now()
    row: dict[str, object] = {
        "token_hash": hashlib.sha256(token.encode()).hexdigest(),
        "incident_id": incident_id,
        "person": "bob",
        "created_at": now,
        "expires_at": now + timedelta(hours=24),
        "used_at": None,
    }
    row.update(changes)
    return row


def insert_old_links(database: Database, rows: list[dict[str, object]]) -> None:
    """Links from before 0007, stored as the upgrade leaves them: each in ack_tokens and,
    by its hash, in ack_tokens_legacy."""

    def store(session: Session) -> None:
        for row in rows:
            link_id = session.scalar(insert(AckToken).values(row).returning(AckToken.id))
            legacy = {"token_hash": row["token_hash"], "link_id": link_id}
            session.execute(insert(AckTokenLegacy), [legacy])

    run(database, store)


def test_a_link_names_its_incident_and_acknowledges_it_once(
    database: Database, ctx: Context
) -> None:
    incident_id = declare(database, ctx)
    token = link_for(database, ctx, incident_id)
    prefix, _, secret = token.partition(".")
    assert prefix == str(incident_id) and len(secret) == 32
    with database.read() as session:
        stored = session.scalars(select(AckToken.token_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]  # the secret isn't kept
    assert redeem(database, ctx, token) == (Status.ACKNOWLEDGED, True)
    assert kinds(database, incident_id).count("acknowledged") == 1
    with pytest.raises(Conflict, match="already used"):
        redeem(database, ctx, token)


def test_every_link_is_different_even_for_the_same_incident_and_person(
    database: Database, ctx: Context
) -> None:
    incident_id = declare(database, ctx)
    tokens = run(
        database,
        lambda s: ack_links.issue_all(s, ctx=ctx, wanted=[(incident_id, "bob")] * 50),
    )
    assert len(set(tokens)) == 50


def test_a_tampered_link_is_not_valid_and_changes_nothing(database: Database, ctx: Context) -> None:
    incident_id = declare(database, ctx)
    other_id = declare(database, ctx, title="Search slow")
    token = link_for(database, ctx, incident_id)
    _, _, secret = token.partition(".")
    other_secret = link_for(database, ctx, other_id).partition(".")[2]
    wrong_last = "A" if secret[-1] != "A" else "B"
    tampered = [
        f"{incident_id}.{secret[:-1]}{wrong_last}",  # right incident, wrong secret
        f"{incident_id}.{other_secret}",  # right incident, another incident's secret
        f"{other_id}.{secret}",  # another incident, right secret
        f"{incident_id + 100}.{secret}",  # no such incident
        f"0{incident_id}.{secret}",  # the same number, written otherwise
        f".{secret}",  # no incident id
        f"x{incident_id}.{secret}",
        f"-{incident_id}.{secret}",
        f"{incident_id}x.{secret}",
        f"{incident_id} .{secret}",
        "\N{FULLWIDTH DIGIT ONE}." + secret,  # a digit, but not an ASCII one
        f"0.{secret}",
        f"{2**31}.{secret}",  # past the largest incident id
        f"{'9' * 5000}.{secret}",  # more digits than int() takes
        f"{incident_id}.",  # no secret
        f"{incident_id}.{secret}.",
        secret,  # the secret alone: a token of the old shape, which was never issued
        "",
        ".",
    ]
    for forged in tampered:
        with pytest.raises(NotFound, match=NOT_VALID):
            run(database, lambda s, forged=forged: ack_links.find(s, ctx=ctx, token=forged))
        with pytest.raises(NotFound, match=NOT_VALID):
            redeem(database, ctx, forged)
    assert status_of(database, incident_id) == Status.TRIGGERED
    assert status_of(database, other_id) == Status.TRIGGERED
    assert "acknowledged" not in kinds(database, incident_id)
    assert redeem(database, ctx, token) == (Status.ACKNOWLEDGED, True)  # still unused


def test_the_acknowledge_page_refuses_a_tampered_link_without_an_error(
    app: Any, client: TestClient
) -> None:
    state = app.state.warroom
    incident_id = declare(state.db, state.ctx)
    token = link_for(state.db, state.ctx, incident_id)
    secret = token.partition(".")[2]
    for forged in (f"{incident_id + 1}.{secret}", f"{'9' * 5000}.{secret}", f"abc.{secret}"):
        for response in (client.get(f"/ack/{forged}"), client.post(f"/ack/{forged}")):
            assert response.status_code == 404
            assert NOT_VALID in response.text
    assert status_of(state.db, incident_id) == Status.TRIGGERED
    assert "Acknowledge INC-1?" in client.get(f"/ack/{token}").text
    assert "INC-1 acknowledged" in client.post(f"/ack/{token}").text


def old_link(database: Database, ctx: Context, clock: FrozenClock) -> tuple[int, str]:
    """An incident and a link to it sent before the upgrade: (its id, the bare token)."""
    incident_id = declare(database, ctx)
    old = secrets.token_urlsafe(24)
    insert_old_links(database, [legacy_row(old, incident_id, clock)])
    return incident_id, old


def test_a_link_sent_before_the_upgrade_still_acknowledges_once(
    database: Database, ctx: Context, clock: FrozenClock
) -> None:
    incident_id, old = old_link(database, ctx, clock)
    assert redeem(database, ctx, old) == (Status.ACKNOWLEDGED, True)
    with pytest.raises(Conflict, match="already used"):
        redeem(database, ctx, old)
    with pytest.raises(NotFound, match=NOT_VALID):
        redeem(database, ctx, f"{incident_id}.{old}")  # not a link of the new shape either


def test_a_link_sent_before_the_upgrade_expires_as_it_did(
    database: Database, ctx: Context, clock: FrozenClock
) -> None:
    incident_id, old = old_link(database, ctx, clock)
    clock.advance(timedelta(hours=24))
    with pytest.raises(Conflict, match="expired"):
        redeem(database, ctx, old)
    assert status_of(database, incident_id) == Status.TRIGGERED


def test_a_new_link_expires_after_the_configured_time(
    database: Database, ctx: Context, clock: FrozenClock
) -> None:
    incident_id = declare(database, ctx)
    token = link_for(database, ctx, incident_id)
    clock.advance(ctx.config.ack_link_ttl)
    with pytest.raises(Conflict, match="expired"):
        redeem(database, ctx, token)
    assert status_of(database, incident_id) == Status.TRIGGERED


# --- the upgrade ------------------------------------------------------------------------


@pytest.fixture
def unmigrated_url(tmp_path: Path) -> Iterator[str]:
    """An empty database with no schema at all, of this test's own."""
    if PG_BASE is None:
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"warroom_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_upgrade"
    yield fresh_pg_database(name)
    drop_pg_database(name)


def test_the_upgrade_keeps_the_links_already_sent_working(
    unmigrated_url: str, ctx: Context, clock: FrozenClock
) -> None:
    from alembic import command

    database = open_database(unmigrated_url)
    try:
        command.upgrade(alembic_config(database.engine), "0006")
        assert current_revision(database.engine) == "0006"
        first, second, third = (old_incident(database, clock, n) for n in (1, 2, 3))
        fresh, used, stale = (secrets.token_urlsafe(24) for _ in range(3))
        rows = [
            legacy_row(fresh, first, clock),
            legacy_row(used, second, clock, used_at=clock.now()),
            legacy_row(stale, third, clock, expires_at=clock.now() - timedelta(minutes=1)),
        ]
        run(database, lambda s: s.execute(insert(AckToken), rows))

        with database.read() as session:
            ids = dict(session.execute(select(AckToken.token_hash, AckToken.id)).all())
        upgrade(database.engine)
        assert current_revision(database.engine) == HEAD
        assert legacy_links(database) == ids  # every link there at the upgrade, by its hash

        assert redeem(database, ctx, fresh) == (Status.ACKNOWLEDGED, True)
        with pytest.raises(Conflict, match="already used"):
            redeem(database, ctx, used)
        with pytest.raises(Conflict, match="expired"):
            redeem(database, ctx, stale)
        assert status_of(database, second) == Status.TRIGGERED
        assert status_of(database, third) == Status.TRIGGERED
        new = link_for(database, ctx, third)  # the new links live beside the old ones
        assert redeem(database, ctx, new) == (Status.ACKNOWLEDGED, True)
        with database.read() as session:
            assert len(session.scalars(select(AckToken)).all()) == 4
        assert legacy_links(database) == ids  # a link made since is not a legacy one
    finally:
        database.dispose()


def old_incident(database: Database, clock: FrozenClock, n: int) -> int:
    """A triggered incident as revision 0006 stores it (today's code writes newer columns)."""
    columns = "title, severity, status, source, channel, responders, summary, impact"
    statement = text(
        f"INSERT INTO incidents ({columns}, declared_at, updated_at, escalation_level, version)"
        " VALUES (:title, 'P1', 'triggered', 'manual', :channel, '', '', '', :at, :at, 0, 1)"
        " RETURNING id"
    ).bindparams(bindparam("at", type_=UTCDateTime()))
    values = {"title": f"Incident {n}", "channel": f"inc-{n}", "at": clock.now()}
    return int(run(database, lambda s: s.execute(statement, values).scalar_one()))


def legacy_links(database: Database) -> dict[str, int]:
    with database.read() as session:
        rows = session.execute(select(AckTokenLegacy.token_hash, AckTokenLegacy.link_id))
        return dict(rows.all())


# --- a bare token is looked up by its hash's primary key, never by a scan ---------------


def test_a_bare_token_stored_after_the_upgrade_is_not_valid(app: Any, client: TestClient) -> None:
    """Its hash is in ack_tokens (put there by today's code) but not in ack_tokens_legacy:
    refusing it shows a bare token is looked up in the legacy table only, by primary key,
    and never by hash in ack_tokens, which has no index on token_hash to do it without
    reading the whole table."""
    state = app.state.warroom
    incident_id = declare(state.db, state.ctx)
    bare = secrets.token_urlsafe(24)
    run(
        state.db,
        lambda s: ack_links.issue_all(
            s, ctx=state.ctx, wanted=[(incident_id, "bob")], tokens=[bare]
        ),
    )
    with state.db.read() as session:
        stored = session.scalars(select(AckToken.token_hash)).all()
    assert stored == [hashlib.sha256(bare.encode()).hexdigest()]
    assert legacy_links(state.db) == {}
    with pytest.raises(NotFound, match=NOT_VALID):
        run(state.db, lambda s: ack_links.find(s, ctx=state.ctx, token=bare))
    with pytest.raises(NotFound, match=NOT_VALID):
        redeem(state.db, state.ctx, bare)
    for response in (client.get(f"/ack/{bare}"), client.post(f"/ack/{bare}")):
        assert response.status_code == 404
        assert NOT_VALID in response.text
    assert status_of(state.db, incident_id) == Status.TRIGGERED


@pytest.mark.skipif(PG_BASE is not None, reason="the plans asked of SQLite")
def test_finding_a_link_searches_by_key_and_scans_no_table(
    database: Database, ctx: Context, clock: FrozenClock
) -> None:
    """Each statement a lookup sends, as SQLite plans it: a SEARCH by a key, no SCAN."""
    incident_id, old = old_link(database, ctx, clock)
    for _ in range(20):
        link_for(database, ctx, incident_id)
    new = link_for(database, ctx, incident_id)

    for token, tables in (
        (old, {"ack_tokens_legacy", "ack_tokens"}),  # legacy row by hash, then link by id
        (secrets.token_urlsafe(24), {"ack_tokens_legacy"}),  # a bare token never issued
        (new, {"ack_tokens"}),  # by incident, then hash
    ):
        searched: set[str] = set()
        with database.engine.connect() as conn:
            for statement, parameters in statements_of_lookup(database, token):
                plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                for detail in (row[-1] for row in plan):
                    assert detail.startswith("SEARCH "), (statement, detail)
                    searched.add(detail.split()[1])
        assert searched == tables


def statements_of_lookup(database: Database, token: str) -> list[tuple[str, Any]]:
    """The SQL (and its parameters) that finding the link of this token sends."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        with database.read() as session:
            ack_links._lookup(session, token)
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    assert sent
    return sent
