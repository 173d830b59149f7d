"""API tokens: shown once, stored as SHA-256 (they are long and random, so a fast hash
is enough and keeps every request cheap), checked for expiry and revocation."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.db.models import ApiToken
from warroom.domain.access import AccessRole
from warroom.errors import Conflict, Invalid, NotFound, Unauthorized
from warroom.services import audit
from warroom.services.context import Context

PREFIX = "wr_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(
    session: Session,
    *,
    ctx: Context,
    actor: str,
    name: str,
    role: AccessRole,
    expires_in: timedelta | None = None,
) -> tuple[ApiToken, str]:
    """A new token; the plain text is returned here and nowhere else, ever."""
    name = name.strip()
    if not name or len(name) > 80:
        raise Invalid("name must be 1 to 80 characters.", field="name")
    if "\x00" in name:
        raise Invalid("name must not contain NUL characters.", field="name")
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)):
        raise Conflict(f"a token named {name!r} already exists.", field="name")
    plain = PREFIX + secrets.token_urlsafe(32)
    now = ctx.clock.now()
    token = ApiToken(
        name=name,
        role=role.value,
        token_hash=digest(plain),
        created_at=now,
        expires_at=now + expires_in if expires_in else None,
    )
    session.add(token)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a token named {name!r} already exists.", field="name") from None
    audit.record(session, ctx=ctx, actor=actor, action="token.create", subject=name)
    return token, plain


@dataclass(frozen=True, slots=True)
class Bearer:
    """What a presented token stands for: enough to authorise a request."""

    id: int
    name: str
    role: str
    expires_at: datetime | None
    revoked: bool


def bearer_for(session: Session, token_hash: str) -> Bearer | None:
    row = session.execute(
        select(
            ApiToken.id, ApiToken.name, ApiToken.role, ApiToken.expires_at, ApiToken.revoked_at
        ).where(ApiToken.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    token_id, name, role, expires_at, revoked_at = row
    return Bearer(token_id, name, role, expires_at, revoked_at is not None)


def check(bearer: Bearer | None, *, now: datetime) -> Bearer:
    """The bearer, if it may act now; refused when unknown, revoked or expired."""
    if bearer is None or bearer.revoked:
        raise Unauthorized("The bearer token is not valid.", field="authorization")
    if bearer.expires_at is not None and bearer.expires_at <= now:
        raise Unauthorized(
            f"The bearer token {bearer.name!r} expired at {bearer.expires_at.isoformat()}.",
            field="authorization",
        )
    return bearer


def authenticate(session: Session, *, ctx: Context, plain: str) -> Bearer:
    return check(bearer_for(session, digest(plain)), now=ctx.clock.now())


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def revoke(session: Session, *, ctx: Context, actor: str, name: str) -> ApiToken:
    token = None
    if "\x00" not in name:  # no token has one, and PostgreSQL refuses to compare with it
        token = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise NotFound(f"no token is named {name!r}.", field="name")
    if token.revoked_at is None:
        token.revoked_at = ctx.clock.now()
        audit.record(session, ctx=ctx, actor=actor, action="token.revoke", subject=name)
    return token
