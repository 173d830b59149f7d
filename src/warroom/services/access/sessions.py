"""The key that signs web session cookies: made once, kept in `server_secrets`, shared by
every process on the same database (so any replica accepts a session any other opened)."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.db.engine import Database
from warroom.db.models import ApiToken, ServerSecret
from warroom.services.context import Context

SESSION_KEY = "web_session_key"


def signing_key(database: Database, *, ctx: Context) -> str:
    """The session key; the first process to ask creates it (a racing one re-reads it)."""
    with database.read() as session:
        found = session.scalar(select(ServerSecret.value).where(ServerSecret.name == SESSION_KEY))
    if found:
        return found
    value = secrets.token_urlsafe(48)
    try:
        with database.write.begin() as session:
            session.add(ServerSecret(name=SESSION_KEY, value=value, created_at=ctx.clock.now()))
    except IntegrityError:
        with database.read() as session:
            stored = session.scalar(
                select(ServerSecret.value).where(ServerSecret.name == SESSION_KEY)
            )
        assert stored is not None
        return stored
    return value


def end_token_sessions(session: Session, *, token_id: int) -> None:
    """End every web session opened with this token (the token itself stays valid)."""
    token = session.get(ApiToken, token_id)
    if token is not None:
        token.session_generation = (token.session_generation or 0) + 1


def live_token(session: Session, *, ctx: Context, token_id: int) -> ApiToken | None:
    """The token a session was opened with, while it is neither revoked nor expired."""
    token = session.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= ctx.clock.now():
        return None
    return token
