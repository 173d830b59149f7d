"""Dependencies: the shared state, and the token that may (or may not) do this."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from warroom.api.state import ApiState
from warroom.db.models import ApiToken
from warroom.domain.access import AccessRole, allows
from warroom.errors import Forbidden, Unauthorized
from warroom.services import tokens


async def get_state(request: Request) -> ApiState:  # async: no thread-pool hop
    state: ApiState = request.app.state.warroom
    return state


StateDep = Annotated[ApiState, Depends(get_state)]


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if not header:
        raise Unauthorized(
            "Send a token in the Authorization header: Bearer <token>.", field="authorization"
        )
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized(
            "The Authorization header must be 'Bearer <token>'.", field="authorization"
        )
    return value.strip()


def _require(needed: AccessRole) -> object:
    def dependency(request: Request, state: StateDep) -> ApiToken:
        plain = _bearer(request)
        with state.db.lookup() as session:
            token = tokens.authenticate(session, ctx=state.ctx, plain=plain)
        if not allows(AccessRole(token.role), needed):
            raise Forbidden(
                f"The token {token.name!r} is a {token.role}; this needs {needed}.",
                field="authorization",
            )
        request.state.actor = token.name
        return token

    return Depends(dependency)


Viewer = Annotated[ApiToken, _require(AccessRole.VIEWER)]
Responder = Annotated[ApiToken, _require(AccessRole.RESPONDER)]
Admin = Annotated[ApiToken, _require(AccessRole.ADMIN)]
