"""Options every command takes, and the database, config and clock they open."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from warroom.cli import metavars
from warroom.clock import SystemClock
from warroom.config import ConfigError, Settings, load_config
from warroom.db.engine import Database, open_database
from warroom.db.migrate import upgrade
from warroom.errors import WarroomError
from warroom.services import audit
from warroom.services.context import Context

Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar=metavars.URL,
        envvar="WARROOM_DATABASE_URL",
        help="Database URL.",
        show_default=False,
    ),
]
ConfigPath = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar=metavars.FILE,
        envvar="WARROOM_CONFIG",
        help="Config file (TOML).",
        show_default=False,
    ),
]
By = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar=metavars.PERSON,
        help="Who did it (default: $WARROOM_ACTOR or your login).",
    ),
]


def parse_at(text: str | None) -> datetime | None:
    """`--at` as ISO 8601 with a time zone; a usage error otherwise."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not an ISO 8601 time (e.g. 2026-11-23T09:00:00Z)", param_hint="--at"
        ) from None
    if moment.tzinfo is None:
        raise typer.BadParameter(f"{text!r} has no time zone (add Z or +01:00)", param_hint="--at")
    return moment


At = Annotated[
    str | None,
    typer.Option(
        "--at", metavar=metavars.TIME, help="When it happened (ISO 8601), if earlier than now."
    ),
]


def actor(by: str | None) -> str:
    """Who runs the command: `--by`, else $WARROOM_ACTOR, else the login name; a name
    that is empty (or only spaces) or too long is refused, naming `--by`."""
    named = (by if by is not None else os.environ.get("WARROOM_ACTOR") or getpass.getuser()).strip()
    if not named or len(named) > audit.ACTOR_LIMIT:
        raise typer.BadParameter(
            f"must name who does it in 1 to {audit.ACTOR_LIMIT} characters "
            "($WARROOM_ACTOR sets it for every command)",
            param_hint="--by",
        )
    return named


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def settings_for(db: str | None, config: Path | None) -> Settings:
    overrides: dict[str, object] = {}
    if db:
        overrides["database_url"] = db
    if config:
        overrides["config"] = config
    return Settings(**overrides)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    db: Database
    ctx: Context


@contextmanager
def naming(field: str, flag: str) -> Iterator[None]:
    """A refusal of `field` names the option that sets it, e.g. `(--reason)`."""
    try:
        yield
    except WarroomError as exc:
        if exc.field == field and flag not in exc.message:
            exc.message = f"{exc.message} ({flag})"
        raise


@contextmanager
def refusals() -> Iterator[None]:
    """Turn every refusal into one line on stderr and exit code 1: never a traceback."""
    try:
        yield
    except WarroomError as exc:
        fail(exc.message)
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(f"{exc.source}: {problem}", err=True)
        raise typer.Exit(1) from None
    except OperationalError as exc:
        fail(f"the database cannot be used: {exc.orig or exc}")


def refuse_missing_database(url: str) -> None:
    """A command that only reads does not create a SQLite file that is not there."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return  # opening it names the mistake
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database)
    if not path.exists():
        fail(
            f"the database {url} ({path.resolve()}) does not exist; name one with --db or "
            "WARROOM_DATABASE_URL (`warroom db upgrade` makes a new one)"
        )


@contextmanager
def opened(
    db: str | None, config: Path | None, *, migrate: bool = True, existing: bool = False
) -> Iterator[Runtime]:
    """The database, config and clock a command runs with; `existing`: the command only
    reads, so a database that does not exist is refused rather than made."""
    with refusals():
        settings = settings_for(db, config)
        if existing:
            refuse_missing_database(settings.database_url)
        ctx = Context(
            config=load_config(settings.config),
            clock=SystemClock(),
            public_url=settings.base_url,
        )
        database = open_database(settings.database_url)
        try:
            if migrate:
                upgrade(database.engine)
            yield Runtime(settings=settings, db=database, ctx=ctx)
        finally:
            database.dispose()


def is_tty() -> bool:
    return sys.stdout.isatty()
