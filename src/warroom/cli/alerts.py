"""Commands for alert intake: `warroom integration ...` and `warroom alerts`."""

from __future__ import annotations

from typing import Annotated

import typer

from warroom.cli import metavars, output
from warroom.cli.runtime import By, ConfigPath, Db, Json, actor, opened
from warroom.config import Settings
from warroom.domain.incidents import parse_ref
from warroom.services.ingest import alerts, integrations
from warroom.sources import KINDS

integration_app = typer.Typer(
    help="Alert senders (Alertmanager, Grafana, ...).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(integration_app, name="integration")
    app.command("alerts")(list_alerts)


def _created(settings: Settings, name: str, kind: str, key: str, as_json: bool) -> None:
    url = integrations.url_for(settings.base_url, kind, key)
    result = {"name": name, "kind": kind, "key": key, "url": url}
    if settings.public_url:
        typer.echo(f"The URL starts with WARROOM_PUBLIC_URL ({settings.base_url}).", err=True)
    else:
        typer.echo(
            f"The URL starts with {settings.base_url}, the default: set WARROOM_PUBLIC_URL "
            "to the address senders reach warroom at (e.g. https://warroom.example.com).",
            err=True,
        )
    if as_json:
        output.emit_json(result)
        return
    typer.echo(f"integration {name} ({kind})\n  key: {key}\n  url: {url}")
    typer.echo("Keep the key now: it is not shown again.", err=True)


Rate = Annotated[
    float | None,
    typer.Option(
        metavar=metavars.RATE,
        help="Its own limit: alerts a second (0: none); default: the config's "
        "security.integration_rate.",
    ),
]
Burst = Annotated[
    int | None,
    typer.Option(
        metavar=metavars.COUNT,
        help="Its own limit: alerts at most at once, and in one request; default: the "
        "config's security.integration_burst.",
    ),
]


@integration_app.command("create")
def create(
    name: str,
    kind: Annotated[
        str, typer.Option(metavar=metavars.KIND, help=f"{', '.join(KINDS[:-1])} or {KINDS[-1]}.")
    ],
    service: Annotated[
        str | None, typer.Option(metavar=metavars.SERVICE, help="Service its alerts belong to.")
    ] = None,
    hmac_secret: Annotated[
        str | None, typer.Option(metavar=metavars.SECRET, help="Require signed requests.")
    ] = None,
    rate: Rate = None,
    burst: Burst = None,
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Create an integration; prints its key and the URL to give the sender."""
    who = actor(by)
    with opened(db, config) as rt, rt.db.write.begin() as session:
        integration, key = integrations.create(
            session,
            ctx=rt.ctx,
            actor=who,
            name=name,
            kind=kind,
            service=service,
            hmac_secret=hmac_secret,
            rate=rate,
            burst=burst,
        )
        kind_ = integration.kind
    _created(rt.settings, name, kind_, key, json)


@integration_app.command("ls")
def list_integrations(json: Json = False, db: Db = None, config: ConfigPath = None) -> None:
    """List integrations (never their keys)."""
    with opened(db, config, existing=True) as rt, rt.db.read() as session:
        rows = [
            {
                "name": i.name,
                "kind": i.kind,
                "service": i.service,
                "signed": i.hmac_secret is not None,
                "disabled": i.disabled_at is not None,
                "rate": i.rate,
                "burst": i.burst,
            }
            for i in integrations.list_all(session)
        ]
    if json:
        output.emit_json({"items": rows})
        return
    columns = ("NAME", "KIND", "SERVICE", "SIGNED", "DISABLED", "RATE", "BURST")
    output.table(columns, (row.values() for row in rows), empty="No integrations.")


@integration_app.command("limit")
def limit(
    name: str,
    rate: Rate = None,
    burst: Burst = None,
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Set an integration's own intake limit; what is left out follows the config again.
    Running servers take it up within seconds (they cache integrations for 5 s)."""
    who = actor(by)
    with opened(db, config) as rt, rt.db.write.begin() as session:
        found = integrations.set_limit(
            session, ctx=rt.ctx, actor=who, name=name, rate=rate, burst=burst
        )
        result = {"name": found.name, "rate": found.rate, "burst": found.burst}
    if json:
        output.emit_json(result)
    else:
        shown = [
            f"{label} {'as the config says' if value is None else f'{value:g}'}"
            for label, value in (("rate", rate), ("burst", burst))
        ]
        typer.echo(f"integration {name}: {', '.join(shown)}")


@integration_app.command("disable")
def disable(
    name: str, by: By = None, json: Json = False, db: Db = None, config: ConfigPath = None
) -> None:
    """Refuse further alerts from an integration."""
    who = actor(by)
    with opened(db, config) as rt, rt.db.write.begin() as session:
        integrations.disable(session, ctx=rt.ctx, actor=who, name=name)
    if json:
        output.emit_json({"name": name, "disabled": True})
    else:
        typer.echo(f"integration {name} disabled")


@integration_app.command("rotate-key")
def rotate_key(
    name: str, by: By = None, json: Json = False, db: Db = None, config: ConfigPath = None
) -> None:
    """Give an integration a new key; the old URL stops working."""
    who = actor(by)
    with opened(db, config) as rt, rt.db.write.begin() as session:
        integration, key = integrations.rotate_key(session, ctx=rt.ctx, actor=who, name=name)
        kind = integration.kind
    _created(rt.settings, name, kind, key, json)


def list_alerts(
    ref: Annotated[str | None, typer.Argument(help="Only this incident's alerts.")] = None,
    status: Annotated[
        str | None, typer.Option(metavar=metavars.STATUS, help="firing or resolved.")
    ] = None,
    limit: Annotated[int, typer.Option(metavar=metavars.COUNT, min=1, max=1000)] = 50,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """List alerts, newest first."""
    with opened(db, config, existing=True) as rt, rt.db.read() as session:
        incident_id = parse_ref(ref) if ref else None
        rows = alerts.list_alerts(session, incident_id=incident_id, status=status, limit=limit)
        items = [
            {
                "id": a.id,
                "incident": f"INC-{a.incident_id}" if a.incident_id else None,
                "dedup_key": a.dedup_key,
                "status": a.status,
                "severity": a.severity,
                "service": a.service,
                "summary": a.summary,
                "count": a.count,
                "first_seen_at": a.first_seen_at,
                "last_seen_at": a.last_seen_at,
            }
            for a in rows
        ]
    if json:
        output.emit_json({"items": items})
        return
    keys = ("incident", "status", "severity", "count", "summary", "dedup_key")
    output.table(
        ("INCIDENT", "STATUS", "SEV", "COUNT", "SUMMARY", "DEDUP KEY"),
        ([item[key] for key in keys] for item in items),
        empty="No alerts match.",
    )
