"""Engines and sessions for SQLite (WAL, one writer) and PostgreSQL (psycopg 3).

SQLite transactions that write begin with `BEGIN IMMEDIATE`, so two writers queue instead
of failing on a lock upgrade: on a file lock next to the database (db/writelock.py), which
hands the turn on the moment a writer is done, with `busy_timeout` as the safety net.
Readers use plain `BEGIN` and never block in WAL mode. The WAL is copied back into the
database file by a thread of its own (db/checkpoints.py), never inside a commit.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from warroom.db.checkpoints import Checkpointer
from warroom.db.writelock import LockingConnection, lock_path

log = logging.getLogger("warroom.db")
WRITE_OPTION = "warroom_write"
WRITER_CACHE_KIB = 16_384  # a long-lived writer's page cache (SQLite's default: 2 MiB)
WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024  # the WAL file is cut back to this when it starts over


def normalise_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _prepare_sqlite(engine: Engine) -> None:
    path, uri = engine.url.database or "", bool(engine.url.query.get("uri"))
    checkpointer = Checkpointer(path, uri=uri) if lock_path(path, uri=uri) else None
    if checkpointer is not None:
        event.listen(engine, "engine_disposed", lambda _engine: checkpointer.stop())

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL where the connection syncs the WAL itself after each commit (writelock).
        synchronous = "NORMAL" if dbapi_connection.syncs_after_commit else "FULL"
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        if checkpointer is not None and dbapi_connection.write_lock is not None:
            cursor.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer's job
            dbapi_connection.after_write = checkpointer.wrote
        cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Straight to the driver: SQLAlchemy's execution of a statement costs more than
        # SQLite takes to run it, and every transaction begins here.
        dbapi_connection = connection.connection.dbapi_connection
        assert isinstance(dbapi_connection, LockingConnection)
        if not connection.get_execution_options().get(WRITE_OPTION, False):
            _begin(dbapi_connection, "BEGIN")
            return
        with dbapi_connection.turn_to_write():
            _begin(dbapi_connection, "BEGIN IMMEDIATE")


def _begin(dbapi_connection: LockingConnection, sql: str) -> None:
    """Run BEGIN on the driver; its errors ("database is locked") are raised as
    SQLAlchemy's, as any other statement's would be."""
    try:
        dbapi_connection.execute(sql)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(sql, (), exc, sqlite3.Error) from exc


def json_text(value: Any) -> str:
    """A JSON column's value as both databases are given it (their JSON types encode with this)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    kwargs.setdefault("json_serializer", json_text)
    kwargs.setdefault("json_deserializer", orjson.loads)
    if is_sqlite(url):
        connect_args = {"check_same_thread": False, "timeout": 15, "factory": LockingConnection}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _prepare_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    # No pre-ping: it costs a round trip per checkout on the hot path; a connection that
    # died is discarded by the pool on its first error and the request answers 503.
    return create_engine(url, pool_recycle=1800, **kwargs)


@dataclass(frozen=True)
class Database:
    """One engine, two doors: sessions that only read, and sessions that write."""

    engine: Engine
    read: sessionmaker[Session]
    write: sessionmaker[Session]
    lookup: sessionmaker[Session]  # one read, no transaction around it on PostgreSQL

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()

    def writer_connection(self) -> Connection:
        """A SQLite connection kept by one long-lived writer (the ingest writer) for its
        writes, through `write(bind=…)`. A SQLite connection drops its whole page cache
        when another connection has written since its last transaction, so a writer that
        took whichever pooled connection came next started every batch with a cold cache;
        with its own (and a bigger cache) its index pages stay in memory."""
        connection = self.engine.execution_options(**{WRITE_OPTION: True}).connect()
        driver = connection.connection.dbapi_connection
        assert isinstance(driver, LockingConnection)
        driver.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")  # outside any transaction
        return connection


class KeptWriter:
    """The write sessions of one long-lived writer (the ingest writer). On SQLite they
    are on a connection of its own, kept (`Database.writer_connection`); on PostgreSQL
    pooled ones, as for any writer: there a connection kept for good is slower (batches
    of 100 alerts: 13 to 19 requests/s against 28 to 30 pooled)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._connection: Connection | None = None

    def session(self) -> Session:
        if not self.db.is_sqlite:
            return self.db.write()
        if self._connection is None:
            self._connection = self.db.writer_connection()
        return self.db.write(bind=self._connection)

    def close(self) -> None:
        """After a failure the connection may be broken: the next session takes a new one."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.close()
            except Exception:  # already gone: nothing to give back
                log.debug("closing the writer's connection failed", exc_info=True)


def open_database(url: str, **kwargs: Any) -> Database:
    engine = make_engine(url, **kwargs)
    writer = engine.execution_options(**{WRITE_OPTION: True})
    read = sessionmaker(engine, expire_on_commit=False)
    # A single SELECT needs no BEGIN/ROLLBACK round trips around it. psycopg's autocommit
    # is a client-side switch; SQLite reads are in-process, so they keep the plain reader.
    lookup = (
        read
        if engine.dialect.name == "sqlite"
        else sessionmaker(
            engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )
    )
    return Database(
        engine=engine,
        read=read,
        write=sessionmaker(writer, expire_on_commit=False),
        lookup=lookup,
    )
