"""Sign-in users: `warroom user`, argon2 hashes, names shared with people and the config."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from warroom.cli import app as cli_app
from warroom.clock import FrozenClock
from warroom.config import parse_config
from warroom.db.engine import Database
from warroom.db.models import PersonRow
from warroom.domain.access import AccessRole
from warroom.errors import Conflict, Invalid, Unauthorized
from warroom.services.access import users
from warroom.services.context import Context
from warroom.web.live import Cursor


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"WARROOM_CONFIG": None})


def test_user_create_stores_an_argon2_hash_never_the_password(
    runner: CliRunner, db_url: str, database: Database
) -> None:
    result = runner.invoke(
        cli_app,
        [
            "user",
            "create",
            "dana",
            "--email",
            "dana@example.com",
            "--role",
            "responder",
            "--password",
            "s3cret-enough",
            "--timezone",
            "Europe/Oslo",
            "--json",
            "--db",
            db_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "name": "dana",
        "role": "responder",
        "email": "dana@example.com",
    }
    with database.read() as session:
        row = session.scalar(select(PersonRow).where(PersonRow.name == "dana"))
    assert row is not None and row.password_hash is not None
    assert row.password_hash.startswith("$argon2id$") and "s3cret" not in row.password_hash
    assert (row.role, row.email, row.timezone) == ("responder", "dana@example.com", "Europe/Oslo")


def test_user_create_asks_for_the_password_when_not_given(
    runner: CliRunner, db_url: str, database: Database
) -> None:
    result = runner.invoke(
        cli_app,
        ["user", "create", "erin", "--role", "viewer", "--db", db_url],
        input="typed-password\ntyped-password\n",
    )
    assert result.exit_code == 0, result.output
    with database.read() as session:
        assert users.authenticate(session, name="erin", password="typed-password").role == "viewer"


def test_user_create_refuses_with_the_reason_and_exit_1(runner: CliRunner, db_url: str) -> None:
    args = ["user", "create", "dana", "--role", "admin", "--db", db_url]
    assert runner.invoke(cli_app, [*args, "--password", "long-enough"]).exit_code == 0
    again = runner.invoke(cli_app, [*args, "--password", "long-enough"])
    assert again.exit_code == 1
    assert "a user named 'dana' already exists." in again.output
    short = runner.invoke(
        cli_app,
        ["user", "create", "fred", "--role", "admin", "--password", "short", "--db", db_url],
    )
    assert short.exit_code == 1 and "at least 8 characters" in short.output
    zone = runner.invoke(
        cli_app,
        [
            "user",
            "create",
            "hugo",
            "--role",
            "viewer",
            "--password",
            "long-enough",
            "--timezone",
            "Mars/Olympus",
            "--db",
            db_url,
        ],
    )
    assert zone.exit_code == 1 and "'Mars/Olympus' is not a known time zone" in zone.output
    bad_role = runner.invoke(
        cli_app,
        ["user", "create", "gus", "--role", "boss", "--password", "long-enough", "--db", db_url],
    )
    assert bad_role.exit_code == 1 and "role 'boss' is not one of" in bad_role.output


def test_a_config_person_name_cannot_become_a_second_person(
    database: Database, clock: FrozenClock
) -> None:
    ctx = Context(config=parse_config({"people": [{"name": "dana"}]}), clock=clock)
    with database.write.begin() as session, pytest.raises(Conflict, match="config file"):
        users.create(
            session,
            ctx=ctx,
            actor="admin",
            name="dana",
            role=AccessRole.ADMIN,
            password="long-enough",
        )


def test_a_stored_person_is_given_a_sign_in_on_the_same_row(
    database: Database, ctx: Context
) -> None:
    now = ctx.clock.now()
    with database.write.begin() as session:
        session.add(
            PersonRow(
                name="hal", timezone="Europe/Oslo", contacts=[], created_at=now, updated_at=now
            )
        )
    with database.write.begin() as session:
        user = users.create(
            session,
            ctx=ctx,
            actor="admin",
            name="hal",
            role=AccessRole.RESPONDER,
            password="long-enough",
        )
    assert user.timezone == "Europe/Oslo"
    with database.read() as session:
        assert len(list(session.scalars(select(PersonRow).where(PersonRow.name == "hal")))) == 1


def test_authenticate_refuses_every_mismatch_alike(database: Database, ctx: Context) -> None:
    with database.write.begin() as session:
        users.create(
            session,
            ctx=ctx,
            actor="admin",
            name="ida",
            role=AccessRole.VIEWER,
            password="long-enough",
        )
    with database.read() as session:
        for name, password in (("ida", "wrong-password"), ("nobody", "long-enough"), ("", "")):
            with pytest.raises(Unauthorized, match="do not match"):
                users.authenticate(session, name=name, password=password)


def test_names_are_checked(database: Database, ctx: Context) -> None:
    with database.write.begin() as session, pytest.raises(Invalid) as refused:
        users.create(
            session,
            ctx=ctx,
            actor="admin",
            name="a b",
            role=AccessRole.VIEWER,
            password="long-enough",
        )
    assert refused.value.field == "name"


def test_the_demo_user_gets_a_fresh_password_each_start(database: Database, ctx: Context) -> None:
    with database.write.begin() as session:
        first = users.ensure_demo_user(session, ctx=ctx)
    with database.write.begin() as session:
        second = users.ensure_demo_user(session, ctx=ctx)
    assert first != second
    with database.read() as session:
        assert users.authenticate(session, name="demo", password=second).role == "admin"
        with pytest.raises(Unauthorized):
            users.authenticate(session, name="demo", password=first)


def test_a_live_cursor_sends_a_late_committed_lower_id_once() -> None:
    cursor = Cursor(floor=10)
    assert cursor.fresh([12]) == [12]
    cursor.saw([12], now=0.0)
    assert cursor.fresh([11, 12]) == [11]  # 11 committed after 12: still sent
    cursor.saw([11], now=1.0)
    cursor.saw([], now=100.0)  # long settled: the floor moves up, memory is freed
    assert cursor.floor == 12 and cursor.recent == {}
    assert cursor.fresh([13]) == [13]
