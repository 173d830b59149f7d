"""Dependencies: the shared state, and the token that may (or may not) do this."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from warroom.api.keycache import KeyCache
from warroom.api.state import ApiState
from warroom.db.engine import Database
from warroom.domain.access import AccessRole, allows
from warroom.errors import Forbidden, Unauthorized
from warroom.services.access import tokens


async def get_state(request: Request) -> ApiState:  # async: no thread-pool hop
    state: ApiState = request.app.state.warroom
    return state


StateDep = Annotated[ApiState, Depends(get_state)]
BEARER_TTL_SECONDS = 2.0


def _bearer(header: str) -> str:
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


async def authorise(
    state: ApiState, bearers: KeyCache[tokens.Bearer], header: str, needed: AccessRole
) -> tokens.Bearer:
    """The token an Authorization header presents, if it may act as `needed`."""
    found = await bearers.get(tokens.digest(_bearer(header)))
    token = tokens.check(found, now=state.ctx.clock.now())
    if not allows(AccessRole(token.role), needed):
        raise Forbidden(
            f"The token {token.name!r} is a {token.role}; this needs {needed}.",
            field="authorization",
        )
    return token


def _require(needed: AccessRole) -> object:
    async def dependency(request: Request) -> tokens.Bearer:  # async: no thread-pool hop
        header = request.headers.get("authorization", "")
        app_state = request.app.state
        return await authorise(app_state.warroom, app_state.bearers, header, needed)

    return Depends(dependency)


def bearer_cache(db: Database) -> KeyCache[tokens.Bearer]:
    """Tokens by their hash, for BEARER_TTL_SECONDS: a revoke through this process
    clears it at once; one made elsewhere (the CLI, another server) counts within it."""

    def read(token_hash: str) -> tokens.Bearer | None:
        with db.lookup() as session:
            return tokens.bearer_for(session, token_hash)

    return KeyCache(read, ttl_seconds=BEARER_TTL_SECONDS)


Viewer = Annotated[tokens.Bearer, _require(AccessRole.VIEWER)]
Responder = Annotated[tokens.Bearer, _require(AccessRole.RESPONDER)]
Admin = Annotated[tokens.Bearer, _require(AccessRole.ADMIN)]
