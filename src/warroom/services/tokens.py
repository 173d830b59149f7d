"""API tokens: shown once, stored as SHA-256 (they are long and random, so a fast hash
is enough and keeps every request cheap), checked for expiry and revocation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.db.models import ApiToken
from warroom.domain.access import AccessRole
from warroom.errors import Conflict, Invalid, NotFound, Unauthorized
from warroom.services.context import Context

PREFIX = "wr_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(
    session: Session,
    *,
    ctx: Context,
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
    return token, plain


def authenticate(session: Session, *, ctx: Context, plain: str) -> ApiToken:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(plain)))
    if token is None or token.revoked_at is not None:
        raise Unauthorized("The bearer token is not valid.", field="authorization")
    if token.expires_at is not None and token.expires_at <= ctx.clock.now():
        raise Unauthorized(
            f"The bearer token {token.name!r} expired at {token.expires_at.isoformat()}.",
            field="authorization",
        )
    return token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def revoke(session: Session, *, ctx: Context, name: str) -> ApiToken:
    token = None
    if "\x00" not in name:  # no token has one, and PostgreSQL refuses to compare with it
        token = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise NotFound(f"no token is named {name!r}.", field="name")
    if token.revoked_at is None:
        token.revoked_at = ctx.clock.now()
    return token
