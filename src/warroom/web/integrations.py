"""/integrations (admins): the alert senders, a form to add one (its URL, which holds the
key, is shown once), and buttons to rotate a key or disable a sender."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from warroom.db.models import Integration
from warroom.errors import Invalid, WarroomError
from warroom.services.ingest import integrations
from warroom.sources import KINDS
from warroom.web import render
from warroom.web.auth import Admin, Administering
from warroom.web.errors import PageRefused
from warroom.web.state import public_base, web_state

router = APIRouter(include_in_schema=False)
T = TypeVar("T", int, float)
Field = Annotated[str, Form()]


def _page(
    request: Request, *, status: int = 200, shown: dict[str, str] | None = None, **extra: Any
) -> HTMLResponse:
    """The page, with a new URL to show once (`shown`) or a refused form (`extra`)."""
    state = web_state(request)
    with state.db.read() as session:
        items = integrations.list_all(session)
    return render.page(
        request,
        "integrations.html.j2",
        status=status,
        items=items,
        kinds=KINDS,
        services=state.ctx.config.services,
        default_rate=state.ctx.config.security.integration_rate,
        default_burst=state.ctx.config.security.integration_burst,
        shown=shown,
        **extra,
    )


def _shown(request: Request, integration: Integration, key: str) -> dict[str, str]:
    url = integrations.url_for(public_base(request), integration.kind, key)
    return {"name": integration.name, "url": url}


def _number(text: str, field: str, kind: type[T]) -> T | None:
    """A number typed in the form; empty: none (the config's limit)."""
    if not text.strip():
        return None
    try:
        return kind(text.strip())
    except ValueError:
        raise Invalid(f"{field} must be a number.", field=field) from None


@router.get("/integrations")
def integrations_page(request: Request, _: Admin) -> HTMLResponse:
    return _page(request)


@router.post("/integrations")
def add_integration(
    request: Request,
    who: Administering,
    name: Field = "",
    kind: Field = "",
    service: Field = "",
    hmac_secret: Field = "",
    rate: Field = "",
    burst: Field = "",
) -> HTMLResponse:
    state = web_state(request)
    try:
        own_rate = _number(rate, "rate", float)
        own_burst = _number(burst, "burst", int)
        with state.db.write.begin() as session:
            made, key = integrations.create(
                session,
                ctx=state.ctx,
                actor=who.name,
                name=name,
                kind=kind,
                service=service or None,
                hmac_secret=hmac_secret or None,
                rate=own_rate,
                burst=own_burst,
            )
            shown = _shown(request, made, key)
    except WarroomError as exc:
        typed = {"name": name, "kind": kind, "service": service, "rate": rate, "burst": burst}
        return _page(request, status=exc.status, problem=exc, typed=typed)
    return _page(request, status=201, shown=shown)


@router.post("/integrations/{name}/rotate-key")
def rotate_key(request: Request, name: str, who: Administering) -> HTMLResponse:
    state = web_state(request)
    try:
        with state.db.write.begin() as session:
            integration, key = integrations.rotate_key(
                session, ctx=state.ctx, actor=who.name, name=name
            )
            shown = _shown(request, integration, key)
    except WarroomError as exc:
        raise PageRefused(exc) from None
    request.app.state.senders.clear()  # the old key stops working at once
    return _page(request, shown=shown)


@router.post("/integrations/{name}/disable")
def disable(request: Request, name: str, who: Administering) -> RedirectResponse:
    state = web_state(request)
    try:
        with state.db.write.begin() as session:
            integrations.disable(session, ctx=state.ctx, actor=who.name, name=name)
    except WarroomError as exc:
        raise PageRefused(exc) from None
    request.app.state.senders.clear()
    return RedirectResponse("/integrations", status_code=303)
