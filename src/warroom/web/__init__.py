"""The web UI: server-rendered pages for responders, live through server-sent events."""

from __future__ import annotations

from fastapi import FastAPI

from warroom.db.engine import Database
from warroom.services.context import Context
from warroom.web import (
    actions,
    assets,
    audit,
    checks,
    dashboard,
    declare,
    demo_inbox,
    duties,
    errors,
    integrations,
    lists,
    live,
    login,
    me,
    people,
    postmortems,
    reports,
    response_forms,
    rooms,
    schedules,
    status_manage,
    status_page,
)
from warroom.web.sign_ins import SignInGuard
from warroom.web.state import WebState


def install(app: FastAPI, *, db: Database, ctx: Context, public_url: str | None) -> None:
    """Add the pages to the app; `public_url` (WARROOM_PUBLIC_URL, if set) decides whether
    cookies are https-only and the base of the URLs pages show."""
    app.state.web = WebState(
        db=db,
        ctx=ctx,
        secure_cookies=(public_url or "").startswith("https://"),
        public_url=public_url.rstrip("/") if public_url else None,
        sign_ins=SignInGuard(ctx.config.security, ctx.clock),
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
        demo_inbox,
        reports,
        postmortems,
        schedules,
        me,
        integrations,
        audit,
        checks,
        duties,
        live,
        actions,
        response_forms,
        rooms,
        status_manage,
        status_page,
    ):
        app.include_router(module.router)
