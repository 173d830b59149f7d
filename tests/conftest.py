"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when
WARROOM_TEST_DATABASE_URL points at a server (scripts/test does both).

Personas: alice is an admin, bob a responder, charlie a viewer.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tests.receivers import Receiver, receiver

from warroom.clock import FrozenClock
from warroom.config import Settings, WarroomConfig, load_config
from warroom.db.engine import Database, normalise_url, open_database
from warroom.db.migrate import upgrade
from warroom.db.models import Base
from warroom.domain.access import AccessRole
from warroom.scheduler.worker import Worker, install_wakeup
from warroom.services.access import tokens
from warroom.services.context import Context

warnings.filterwarnings("ignore", message=".*httpx2.*")
from fastapi.testclient import TestClient  # noqa: E402

PG_BASE = os.environ.get("WARROOM_TEST_DATABASE_URL")
MONDAY_9AM = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def fresh_pg_database(name: str) -> str:
    """An empty database of this name on the test PostgreSQL server (one there before is
    dropped); its URL."""
    assert PG_BASE is not None
    base = make_url(normalise_url(PG_BASE))
    _as_admin(_drop(name), f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(name: str) -> None:
    _as_admin(_drop(name))


def _drop(name: str) -> str:
    return f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'


def _as_admin(*statements: str) -> None:
    """Run these, in order, on one connection to the server's admin database."""
    assert PG_BASE is not None
    admin = create_engine(make_url(normalise_url(PG_BASE)), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        admin.dispose()


SEEDED = {"server_secrets"}  # tables whose rows a migration makes (the contact id key)


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database made once: a SQLite file to copy, or a PostgreSQL database."""
    if PG_BASE is None:
        path = tmp_path_factory.mktemp("template") / "template.db"
        database = open_database(f"sqlite:///{path}")
        upgrade(database.engine)
        database.dispose()
        yield str(path)
        return
    url = fresh_pg_database(f"warroom_test_{_worker_suffix()}")
    database = open_database(url)
    upgrade(database.engine)
    database.dispose()
    yield url


@pytest.fixture
def db_url(_template: str, tmp_path: Path) -> str:
    """The URL of an empty, migrated database of its own for this test."""
    if PG_BASE is None:
        path = tmp_path / "warroom.db"
        shutil.copy(_template, path)
        return f"sqlite:///{path}"
    engine = create_engine(_template)
    with engine.begin() as conn:  # emptied as migrated: the rows migrations seed stay
        emptied = [t.name for t in Base.metadata.sorted_tables if t.name not in SEEDED]
        conn.execute(text(f"TRUNCATE {', '.join(emptied)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return _template


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = open_database(db_url)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_9AM)


@pytest.fixture
def config() -> WarroomConfig:
    return load_config(None)


@pytest.fixture
def ctx(config: WarroomConfig, clock: FrozenClock) -> Context:
    return Context(config=config, clock=clock)


@pytest.fixture
def worker(database: Database, ctx: Context) -> Worker:
    runner = Worker(database, ctx)
    install_wakeup(database, runner.wake)
    return runner


@pytest.fixture
def app(db_url: str, clock: FrozenClock, config: WarroomConfig):  # type: ignore[no-untyped-def]
    from warroom.app import create_app

    return create_app(
        Settings(database_url=db_url),
        clock=clock,
        config=config,
        run_worker=False,
        migrate=False,
    )


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def tokens_by_persona(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Plain tokens: alice (admin), bob (responder), charlie (viewer)."""
    state = app.state.warroom
    plain: dict[str, str] = {}
    with state.db.write.begin() as session:
        for name, role in (
            ("alice", AccessRole.ADMIN),
            ("bob", AccessRole.RESPONDER),
            ("charlie", AccessRole.VIEWER),
        ):
            _, plain[name] = tokens.create(
                session, ctx=state.ctx, actor="admin", name=name, role=role
            )
    return plain


@pytest.fixture
def as_(tokens_by_persona: dict[str, str]):  # type: ignore[no-untyped-def]
    """as_("bob") → headers that authenticate as bob."""

    def headers(persona: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens_by_persona[persona]}"}

    return headers


@pytest.fixture
def hook() -> Iterator[Receiver]:
    """A real HTTP receiver on loopback that keeps every message it gets."""
    with receiver() as r:
        yield r
