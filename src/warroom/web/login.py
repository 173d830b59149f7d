"""/login and /logout: a password or an API token opens a session cookie."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from warroom.domain.signatures import same_secret
from warroom.errors import TooManyRequests, Unauthorized, WarroomError
from warroom.services.access import sessions as stored
from warroom.services.access import tokens, users
from warroom.web import render, sessions
from warroom.web.auth import Posting, visitor_of
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form()]


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(
    request: Request, data: dict[str, Any], *, status: int = 200, **context: Any
) -> Response:
    response = render.page(request, "login.html.j2", status=status, csrf=data["c"], **context)
    sessions.write(request, response, data)
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    if visitor_of(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    data = sessions.read(request)
    if not data.get("c"):
        data = {"c": sessions.new_csrf()}
    return _login_page(request, data, next=safe_next(next), values={}, errors={})


def _open_session(request: Request, username: str, password: str, token: str) -> dict[str, Any]:
    state = web_state(request)
    csrf = sessions.new_csrf()  # a new token at sign-in: nothing chosen before carries over
    address = request.client.host if request.client else "unknown"

    def by_token() -> dict[str, Any]:
        with state.db.read() as session:
            found = tokens.authenticate(session, ctx=state.ctx, plain=token.strip())
            live = stored.live_token(session, ctx=state.ctx, token_id=found.id)
            generation = live.session_generation if live is not None else 0
            return {"k": "token", "n": found.id, "g": generation, "c": csrf}

    def by_password() -> dict[str, Any]:
        with state.db.read() as session:
            user = users.authenticate(session, name=username, password=password)
            return {"k": "user", "n": user.name, "g": user.generation, "c": csrf}

    if token.strip():
        return state.sign_ins.attempt("", address, by_token, hashes=False)
    if not username.strip():
        raise Unauthorized("Enter your user name.", field="username")
    return state.sign_ins.attempt(username, address, by_password, hashes=True)


@router.post("/login")
def login(
    request: Request,
    csrf: Field = "",
    username: Field = "",
    password: Field = "",
    token: Field = "",
    next: Field = "/",
) -> Response:
    data = sessions.read(request)
    expected = str(data.get("c", ""))
    values = {"username": username}
    if not expected or not same_secret(csrf, expected):
        fresh = {"c": sessions.new_csrf()}
        message = "The sign-in form had expired; please try again."
        return _login_page(
            request,
            fresh,
            status=403,
            next=safe_next(next),
            values=values,
            errors={"form": message},
        )
    try:
        opened = _open_session(request, username, password, token)
    except WarroomError as exc:
        field = "token" if token.strip() else (exc.field or "password")
        page = _login_page(
            request,
            data,
            status=exc.status,
            next=safe_next(next),
            values=values,
            errors={field: exc.message},
        )
        if isinstance(exc, TooManyRequests):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    response = RedirectResponse(safe_next(next), status_code=303)
    sessions.write(request, response, opened)
    return response


@router.post("/logout")
def logout(request: Request, visitor: Posting) -> Response:
    """Sign out: every session of the user (or opened with the token) ends, not only this
    cookie (a copy of it could be kept and replayed)."""
    data = sessions.read(request)
    if not visitor.by_header:
        with web_state(request).db.write.begin() as session:
            if data.get("k") == "user":
                users.end_sessions(session, name=visitor.name)
            elif data.get("k") == "token" and isinstance(data.get("n"), int):
                stored.end_token_sessions(session, token_id=data["n"])
    response = RedirectResponse("/login", status_code=303)
    sessions.clear(request, response)
    return response
