"""The web UI: server-rendered pages for responders, live through server-sent events."""

from __future__ import annotations

from fastapi import FastAPI

from warroom.db.engine import Database
from warroom.services.context import Context
from warroom.web import (
    actions,
    assets,
    dashboard,
    declare,
    errors,
    integrations,
    lists,
    live,
    login,
    me,
    people,
    rooms,
    schedules,
)
from warroom.web.state import WebState


def install(app: FastAPI, *, db: Database, ctx: Context, public_url: str) -> None:
    """Add the pages to the app; `public_url` decides whether cookies are https-only."""
    app.state.web = WebState(
        db=db,
        ctx=ctx,
        secure_cookies=public_url.startswith("https://"),
    )
    errors.install(app)
    # /incidents/new before /incidents/{ref}, so "new" is never taken for a reference
    for module in (
        assets,
        login,
        dashboard,
        declare,
        lists,
        people,
        schedules,
        me,
        integrations,
        live,
        actions,
        rooms,
    ):
        app.include_router(module.router)
