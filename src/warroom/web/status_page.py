"""The public status page, `/status`: no sign-in, no JavaScript, its own stylesheet and
the brand's colours. Made once per change (the public cache) and served as bytes, with
its feeds and the subscribe, confirm and unsubscribe pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from warroom.db.engine import Database
from warroom.domain.status_page import COMPONENT_WORDS, INDICATOR_WORDS
from warroom.errors import TooManyRequests, WarroomError
from warroom.services.context import Context
from warroom.services.status import public, subscribers, webhook_hosts
from warroom.services.status.public import Body, Public
from warroom.services.status.snapshot import ComponentView, Snapshot
from warroom.services.status.throttle import check_subscribe
from warroom.web.state import WebState, web_state

if TYPE_CHECKING:
    from jinja2 import Environment

router = APIRouter(include_in_schema=False)
PAST_DAYS = 14
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data: https:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _days(snap: Snapshot) -> list[tuple[str, list[Any]]]:
    """The last PAST_DAYS days, newest first, with the incidents that began on each."""
    today = snap.built_at.date()
    found = []
    for back in range(PAST_DAYS):
        day = today - timedelta(days=back)
        mine = [i for i in snap.incidents if i.created_at.astimezone(UTC).date() == day]
        found.append((f"{day:%a %d %b %Y}", mine))
    return found


def _groups(snap: Snapshot) -> list[tuple[str, list[Any]]]:
    found: dict[str, list[Any]] = {}
    for view in snap.components:
        found.setdefault(view.component.group, []).append(view)
    return list(found.items())


def _bars(view: ComponentView) -> Markup:
    """The uptime bars of a component, one per day (made here: 90 of them per component
    cost a template loop more than the rest of the page)."""
    items = []
    for day in view.days:
        told = f", {day.incidents} incident(s)" if day.incidents else ""
        items.append(
            f'<li class="bar bar-{day.status.value}" title="{day.day.isoformat()}:'
            f' {day.percent}{told}"></li>'
        )
    return Markup("".join(items))  # noqa: S704  (only dates, numbers and enum values)


def _when(at: datetime) -> str:
    return f"{at.astimezone(UTC):%d %b %Y %H:%M} UTC"


def page_body(env: Environment, db: Database, ctx: Context) -> Body:
    def made() -> Body:
        snap = public.snapshot(db, ctx)
        html = env.get_template("status_page.html.j2").render(
            snap=snap,
            groups=_groups(snap),
            days=_days(snap),
            words=COMPONENT_WORDS,
            indicators=INDICATOR_WORDS,
            when=_when,
            bars=_bars,
            brand_css=brand_css_url(ctx),
            email=bool(ctx.config.status_page.smtp_url),
        )
        return Body.of(html.encode(), public.HTML)

    return public.cached(db, ctx, "html", made)


def lane_paths(state: WebState) -> dict[str, Public]:
    """The public pages the status lane (api/status_lane) answers before the app."""
    db, ctx = state.db, state.ctx
    headers = tuple((k.lower().encode(), v.encode()) for k, v in HEADERS.items())
    return {
        "/status": Public("html", lambda: page_body(state.templates, db, ctx), headers),
        "/status/feed.atom": Public("atom", lambda: public.atom(db, ctx), headers),
        "/status/feed.rss": Public("rss", lambda: public.rss(db, ctx), headers),
    }


def brand_css(ctx: Context) -> bytes:
    brand = ctx.config.status_page.branding
    return (
        f":root {{ --brand: {brand.accent}; --brand-bg: {brand.background};"
        f" --brand-text: {brand.text}; }}\n"
    ).encode()


def brand_css_url(ctx: Context) -> str:
    return f"/status/brand.css?v={Body.of(brand_css(ctx), b'').etag.decode().strip(chr(34))}"


def _send(request: Request, found: Body) -> Response:
    etag = found.etag.decode()
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    headers = {**HEADERS, "ETag": etag, "Cache-Control": "public, max-age=5"}
    return Response(found.content, media_type=found.content_type.decode(), headers=headers)


@router.get("/status")
def status_page(request: Request) -> Response:
    state = web_state(request)
    return _send(request, page_body(state.templates, state.db, state.ctx))


@router.get("/status/brand.css")
def brand(request: Request) -> Response:
    headers = {"Cache-Control": "public, max-age=31536000, immutable"}
    body = brand_css(web_state(request).ctx)
    return Response(body, media_type="text/css; charset=utf-8", headers=headers)


@router.get("/status/feed.atom")
def atom(request: Request) -> Response:
    state = web_state(request)
    return _send(request, public.atom(state.db, state.ctx))


@router.get("/status/feed.rss")
def rss(request: Request) -> Response:
    state = web_state(request)
    return _send(request, public.rss(state.db, state.ctx))


def _notice(
    request: Request, title: str, text: str, status: int = 200, **form: str
) -> HTMLResponse:
    """A small branded page; with `action`, `token` and `button`: a form that POSTs."""
    state = web_state(request)
    html = state.templates.get_template("status_notice.html.j2").render(
        title=title,
        text=text,
        brand=state.ctx.config.status_page.branding,
        brand_css=brand_css_url(state.ctx),
        **form,
    )
    return HTMLResponse(html, status, headers={**HEADERS, "Cache-Control": "no-store"})


@router.post("/status/subscribe")
def subscribe(
    request: Request,
    email: Annotated[str, Form(max_length=300)] = "",
    url: Annotated[str, Form(max_length=600)] = "",
    components: Annotated[list[str] | None, Form()] = None,
) -> HTMLResponse:
    state = web_state(request)
    client = request.client.host if request.client else "unknown"
    page = state.ctx.config.status_page
    try:
        check_subscribe(
            state.db, client, now=state.ctx.clock.now(), per_minute=page.subscribe_per_minute
        )
        kind, address = ("email", email) if email.strip() else ("webhook", url)
        if kind == "webhook":  # resolving the host: before the transaction
            webhook_hosts.vet(address, allow_private=page.allow_private_webhooks)
        with state.db.write.begin() as session:
            subscribers.subscribe(
                session, ctx=state.ctx, kind=kind, address=address, components=components or []
            )
    except WarroomError as exc:
        refused = _notice(request, "Not subscribed", exc.message, exc.status)
        if isinstance(exc, TooManyRequests):
            refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    if kind == "email":
        text = "If the address can be subscribed, a confirmation link is on its way to it."
        return _notice(request, "Check your inbox", text, 202)
    return _notice(request, "Subscribed", "Your webhook hears of every public update.", 202)


# Links in mail only show a page (mail scanners open them); its button POSTs, with the
# token in the form and no session. A mail client's one-click unsubscribe (RFC 8058)
# POSTs to the link itself.
Token = Annotated[str, Form(max_length=100)]


def _ask(
    request: Request, token: str, *, kind: str, title: str, text: str, button: str
) -> HTMLResponse:
    state = web_state(request)
    try:
        with state.db.read() as session:
            subscribers.by_token(session, token, active=kind == "confirm")
    except WarroomError as exc:
        return _notice(request, "Not found", exc.message, exc.status)
    return _notice(request, title, text, action=f"/status/{kind}", token=token, button=button)


@router.get("/status/confirm/{token}")
def ask_confirm(request: Request, token: str) -> HTMLResponse:
    text = "Confirm that you want to hear of every public update by email."
    return _ask(request, token, kind="confirm", title="Confirm", text=text, button="Confirm")


@router.post("/status/confirm")
def confirm(request: Request, token: Token) -> HTMLResponse:
    state = web_state(request)
    try:
        with state.db.write.begin() as session:
            subscribers.confirm(session, ctx=state.ctx, token=token)
    except WarroomError as exc:
        return _notice(request, "Not confirmed", exc.message, exc.status)
    return _notice(request, "Subscribed", "You will hear of every public update by email.")


@router.get("/status/unsubscribe/{token}")
def ask_unsubscribe(request: Request, token: str) -> HTMLResponse:
    text = "Unsubscribe to hear nothing more from this page."
    return _ask(
        request, token, kind="unsubscribe", title="Unsubscribe", text=text, button="Unsubscribe"
    )


@router.post("/status/unsubscribe")
def unsubscribe(request: Request, token: Token) -> HTMLResponse:
    state = web_state(request)
    try:
        with state.db.write.begin() as session:
            subscribers.unsubscribe(session, ctx=state.ctx, token=token)
    except WarroomError as exc:
        return _notice(request, "Not found", exc.message, exc.status)
    return _notice(request, "Unsubscribed", "You will hear nothing more from this page.")


@router.post("/status/unsubscribe/{token}")
def unsubscribe_in_one_click(request: Request, token: str) -> HTMLResponse:
    """RFC 8058: a mail client POSTs `List-Unsubscribe=One-Click` to the link."""
    return unsubscribe(request, token)
