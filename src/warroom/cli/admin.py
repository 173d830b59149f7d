"""Commands that run or manage warroom: serve, worker, db, config, token."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Annotated, Any

import typer

from warroom import startup
from warroom.cli import metavars, output
from warroom.cli.runtime import (
    By,
    ConfigPath,
    Db,
    Json,
    actor,
    fail,
    opened,
    refusals,
    settings_for,
)
from warroom.config import ConfigError, Settings, WarroomConfig, listen_url, load_config
from warroom.db.engine import open_database
from warroom.db.migrate import upgrade
from warroom.domain import redaction
from warroom.domain.access import parse_access_role
from warroom.domain.durations import parse_duration
from warroom.scheduler.worker import Worker, install_wakeup
from warroom.services import demo, operations_config
from warroom.services.access import tokens, users
from warroom.services.paging import messages
from warroom.services.postmortems import drafts

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
config_app = typer.Typer(help="The config file.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)
    app.add_typer(db_app, name="db")
    app.add_typer(config_app, name="config")
    app.add_typer(token_app, name="token")


def serve(
    host: Annotated[
        str, typer.Option(metavar=metavars.ADDRESS, help="Address to listen on.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar=metavars.PORT, help="Port to listen on.")] = 8080,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="API only; run workers apart.")
    ] = False,
    demo_data: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Fill an empty database with demo incidents and print a demo token; "
            "without --config, run with the demo's config, whose people are paged in the "
            "demo inbox (/demo/inbox).",
        ),
    ] = False,
    processes: Annotated[
        int,
        typer.Option(
            "--processes",
            metavar=metavars.COUNT,
            min=1,
            max=64,
            help="Server processes, each with its own socket on the port (one per core "
            "takes the most alerts).",
        ),
    ] = 1,
    split: Annotated[
        bool | None,
        typer.Option(
            "--split/--no-split",
            help="SQLite: run the alert writer and the worker in processes of their own "
            "(for alert storms; about 125 MB more memory). Default: WARROOM_SPLIT_PROCESSES, "
            "else one process.",
        ),
    ] = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Run the API (and, unless --no-worker, the background worker).

    Acknowledge links and integration URLs start with WARROOM_PUBLIC_URL (e.g.
    https://warroom.example.com, where people and alert senders reach warroom); when it is
    not set, with the address warroom listens on (http://HOST:PORT).
    """
    with refusals(), startup.collector_paused():
        import uvicorn

        from warroom.app import create_app
        from warroom.processes import UVICORN_OPTIONS

        if demo_data and config is None:
            config = demo.config_path()
        settings = settings_for(db, config).model_copy(
            update={"listen_url": listen_url(host, port)}
        )
        if split is not None:
            settings = settings.model_copy(update={"split_processes": split})
        app = create_app(settings, run_worker=not no_worker and processes == 1)
        if demo_data:
            _seed_demo(app.state.warroom, settings)
    if processes == 1:
        _tell_public_url(settings)
        uvicorn.run(app, host=host, port=port, **UVICORN_OPTIONS)
        return
    app.state.warroom.db.dispose()  # the schema is up to date: each process opens its own
    raise typer.Exit(_supervise(settings, host, port, processes, run_worker=not no_worker))


def _tell_public_url(settings: Settings) -> None:
    if settings.public_url:
        typer.echo(f"Links point at {settings.base_url} (WARROOM_PUBLIC_URL).", err=True)
    else:
        typer.echo(
            f"Links point at {settings.base_url}, where warroom listens; set "
            "WARROOM_PUBLIC_URL to the address people and alert senders reach it at.",
            err=True,
        )


def _supervise(settings: Settings, host: str, port: int, count: int, *, run_worker: bool) -> int:
    """N server processes, each on its own socket on host:port (SO_REUSEPORT). Background
    work runs in each one too: jobs are claimed by compare-and-set."""
    from warroom.processes.sockets import PortUnavailable, listen_shared
    from warroom.processes.supervisor import Supervisor

    try:
        listeners = listen_shared(host, port, count)
    except PortUnavailable as exc:
        fail(str(exc))
    _tell_public_url(settings)
    environment = {**os.environ, **processes_environment(settings, run_worker=run_worker)}
    return Supervisor(listeners, environment).run()


def processes_environment(settings: Settings, *, run_worker: bool) -> dict[str, str]:
    from warroom.app import RUN_WORKER_VARIABLE

    prefix = Settings.model_config.get("env_prefix", "")
    environment = {
        f"{prefix}{name}".upper(): str(value)
        for name, value in settings.model_dump().items()
        if value is not None
    }
    return {**environment, RUN_WORKER_VARIABLE: "1" if run_worker else "0"}


def _seed_demo(state: Any, settings: Settings) -> None:
    with state.db.write.begin() as session:
        created = demo.seed(session, ctx=state.ctx)
        plain = demo.rotate_token(session, ctx=state.ctx)
        password = users.ensure_demo_user(session, ctx=state.ctx)
        demo.give_inbox(session, ctx=state.ctx, name=users.DEMO_USER)
    base = settings.base_url
    note = f"{created} demo incidents added" if created else "demo incidents already present"
    typer.echo(f"warroom on {base} ({note}).")
    typer.echo(f"Sign in at {base}/login as {users.DEMO_USER!r} with password {password!r}")
    typer.echo(f"Demo admin token: {plain}")
    typer.echo(f"Try: curl -H 'Authorization: Bearer {plain}' {base}/api/v1/incidents?status=open")
    if state.ctx.config.demo:
        typer.echo(f"Declare a P1 and watch {base}/demo/inbox: the person on call is paged there.")
    variables = f"WARROOM_DATABASE_URL={settings.database_url}"
    if settings.config:
        variables += f" WARROOM_CONFIG={settings.config}"
    typer.echo(f"The CLI on this demo: export {variables}")


def worker(db: Db = None, config: ConfigPath = None) -> None:
    """Run background work only (scale-out: any number of these may run)."""
    with opened(db, config) as rt:
        runner = Worker(rt.db, rt.ctx, alone=True)
        install_wakeup(rt.db, runner.wake)
        signal.signal(signal.SIGTERM, lambda *_: runner.stop())
        signal.signal(signal.SIGINT, lambda *_: runner.stop())
        typer.echo(f"worker {runner.name} running", err=True)
        runner.loop()


@db_app.command("upgrade")
def db_upgrade(json: Json = False, db: Db = None, config: ConfigPath = None) -> None:
    """Bring the database schema up to date."""
    with refusals():
        settings = settings_for(db, config)
        database = open_database(settings.database_url)
        try:
            upgrade(database.engine)
        finally:
            database.dispose()
    if json:
        output.emit_json({"database": database.engine.url.render_as_string(), "status": "ok"})
    else:
        typer.echo("database is up to date")


@config_app.command("check")
def config_check(json: Json = False, config: ConfigPath = None) -> None:
    """Validate the config file: one line per mistake, exit 1 if any."""
    with refusals():
        loaded = load_config(config)
        _check_templates(loaded, config)
        _check_operations(loaded, config)
    if json:
        output.emit_json(
            {
                "ok": True,
                "severities": [s.id for s in loaded.severities],
                "services": [s.name for s in loaded.services],
            }
        )
    else:
        levels = ", ".join(s.id for s in loaded.severities)
        typer.echo(f"config is valid: severities {levels}; {len(loaded.services)} service(s)")


def _check_templates(loaded: WarroomConfig, path: Path | None) -> None:
    if loaded.templates_dir is None:
        return
    problems = messages.override_problems(loaded.templates_dir)
    problems += drafts.override_problems(loaded.templates_dir)
    if problems:
        raise ConfigError(str(path), problems)


def _check_operations(loaded: WarroomConfig, path: Path | None) -> None:
    problems = operations_config.problems(loaded)
    if problems:
        raise ConfigError(str(path), problems)


@config_app.command("show")
def config_show(
    reveal: Annotated[
        bool,
        typer.Option(
            "--reveal",
            help="Print credentials (tokens, passwords, contact URLs) as written, for an "
            "admin on the server; masked otherwise, as GET /api/v1/config shows them.",
        ),
    ] = False,
    json: Json = False,
    config: ConfigPath = None,
) -> None:
    """Print the effective configuration (defaults filled in), credentials masked."""
    with refusals():
        loaded = load_config(config)
    dumped = loaded.model_dump(mode="json")
    output.emit_json(dumped if reveal else redaction.masked_config(dumped))


@token_app.command("create")
def token_create(
    name: str,
    role: Annotated[str, typer.Option(metavar=metavars.ROLE, help="viewer, responder or admin.")],
    expires_in: Annotated[
        str | None, typer.Option(metavar=metavars.DURATION, help="e.g. 90d; default: never.")
    ] = None,
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Create an API token. It is printed once and stored only as a hash."""
    try:
        lifetime = parse_duration(expires_in) if expires_in else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--expires-in") from None
    who = actor(by)
    with opened(db, config) as rt:
        access = parse_access_role(role)
        with rt.db.write.begin() as session:
            token, plain = tokens.create(
                session, ctx=rt.ctx, actor=who, name=name, role=access, expires_in=lifetime
            )
            result = {"name": token.name, "role": token.role, "token": plain}
    if json:
        output.emit_json(result)
    else:
        typer.echo(f"token {result['name']} ({result['role']}): {plain}")
        typer.echo("Keep it now: it is not shown again.", err=True)


@token_app.command("ls")
def token_list(json: Json = False, db: Db = None, config: ConfigPath = None) -> None:
    """List API tokens (names and roles; never the tokens themselves)."""
    with opened(db, config, existing=True) as rt, rt.db.read() as session:
        rows = [
            {
                "name": t.name,
                "role": t.role,
                "created_at": t.created_at,
                "expires_at": t.expires_at,
                "revoked_at": t.revoked_at,
            }
            for t in tokens.list_tokens(session)
        ]
    if json:
        output.emit_json({"items": rows})
        return
    columns = ("NAME", "ROLE", "CREATED", "EXPIRES", "REVOKED")
    output.table(columns, (row.values() for row in rows), empty="No tokens.")


@token_app.command("revoke")
def token_revoke(
    name: str, by: By = None, json: Json = False, db: Db = None, config: ConfigPath = None
) -> None:
    """Revoke an API token at once."""
    who = actor(by)
    with opened(db, config) as rt, rt.db.write.begin() as session:
        token = tokens.revoke(session, ctx=rt.ctx, actor=who, name=name)
        result = {"name": token.name, "revoked_at": token.revoked_at}
    if json:
        output.emit_json(result)
    elif result:
        typer.echo(f"token {name} revoked")
    else:
        fail(f"no token named {name!r}")
