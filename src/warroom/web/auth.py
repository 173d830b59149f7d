"""Who is looking at a page: a signed-in user, a token-opened session, or a bearer token;
and what they may do (viewers read, responders act), with CSRF checked on every form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from warroom.domain.access import AccessRole, allows
from warroom.domain.signatures import same_secret
from warroom.errors import Forbidden, Unauthorized, WarroomError
from warroom.services.access import sessions as stored
from warroom.services.access import tokens, users
from warroom.web import sessions
from warroom.web.errors import PageRefused, SignInRequired
from warroom.web.state import web_state


@dataclass(frozen=True)
class Visitor:
    name: str
    role: AccessRole
    timezone: str
    csrf: str  # empty for bearer-token requests, which carry no ambient credentials
    by_header: bool = False

    @property
    def can_act(self) -> bool:
        return allows(self.role, AccessRole.RESPONDER)

    @property
    def is_admin(self) -> bool:
        return allows(self.role, AccessRole.ADMIN)


def _from_header(request: Request, header: str) -> Visitor:
    scheme, _, plain = header.partition(" ")
    state = web_state(request)
    try:
        if scheme.lower() != "bearer" or not plain.strip():
            raise Unauthorized("The Authorization header must be 'Bearer <token>'.")
        with state.db.read() as session:
            token = tokens.authenticate(session, ctx=state.ctx, plain=plain.strip())
    except WarroomError as exc:
        raise PageRefused(exc) from None
    return Visitor(token.name, AccessRole(token.role), "UTC", "", by_header=True)


def _from_session(request: Request, data: dict[str, Any]) -> Visitor | None:
    state = web_state(request)
    kind, who, csrf = data.get("k"), data.get("n"), str(data.get("c", ""))
    with state.db.read() as session:
        if kind == "user" and isinstance(who, str):
            user = users.find(session, who)
            if user is None or user.generation != data.get("g"):
                return None
            return Visitor(user.name, user.role, user.timezone, csrf)
        if kind == "token" and isinstance(who, int):
            token = stored.live_token(session, ctx=state.ctx, token_id=who)
            if token is None or token.session_generation != data.get("g"):
                return None
            return Visitor(token.name, AccessRole(token.role), "UTC", csrf)
    return None


def visitor_of(request: Request) -> Visitor | None:
    """The visitor, worked out once per request and kept on request.state."""
    if hasattr(request.state, "visitor"):
        found: Visitor | None = request.state.visitor
        return found
    header = request.headers.get("authorization")
    found = _from_header(request, header) if header else None
    if found is None and not header:
        found = _from_session(request, sessions.read(request))
    request.state.visitor = found
    return found


def signed_in(request: Request) -> Visitor:
    found = visitor_of(request)
    if found is None:
        raise SignInRequired
    return found


async def _csrf_ok(request: Request, visitor: Visitor) -> bool:
    if visitor.by_header:
        return True
    form = await request.form()
    sent = form.get("csrf")
    return isinstance(sent, str) and bool(sent) and same_secret(sent, visitor.csrf)


SignedIn = Annotated[Visitor, Depends(signed_in)]


async def acting(request: Request, found: SignedIn) -> Visitor:
    """A form post by a responder or admin, carrying this session's CSRF token."""
    if not await _csrf_ok(request, found):
        raise PageRefused(
            Forbidden("This form has expired (its security token does not match); reload it.")
        )
    if not found.can_act:
        raise PageRefused(
            Forbidden(f"{found.name} is a {found.role}; only responders and admins can act.")
        )
    return found


def admin(found: SignedIn) -> Visitor:
    """A page only admins may see."""
    if not found.is_admin:
        raise PageRefused(Forbidden(f"{found.name} is a {found.role}; only admins can do this."))
    return found


async def administering(request: Request, found: SignedIn) -> Visitor:
    """A form post by an admin, carrying this session's CSRF token."""
    if not await _csrf_ok(request, found):
        raise PageRefused(Forbidden("This form has expired; reload the page and try again."))
    return admin(found)


async def posting(request: Request, found: SignedIn) -> Visitor:
    """A form post by anyone signed in (e.g. signing out), with the CSRF token checked."""
    if not await _csrf_ok(request, found):
        raise PageRefused(Forbidden("This form has expired; reload the page and try again."))
    return found


Acting = Annotated[Visitor, Depends(acting)]
Admin = Annotated[Visitor, Depends(admin)]
Administering = Annotated[Visitor, Depends(administering)]
Posting = Annotated[Visitor, Depends(posting)]
