"""Sign-in users: rows of `people` that hold a role and an argon2 password hash.

A person added through the people API may be given a sign-in later (same row); a name
that the config file already uses is refused, so one name is always one person.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.db.models import PersonRow
from warroom.domain.access import AccessRole
from warroom.domain.people import NAME
from warroom.errors import Conflict, Invalid, NotFound, Unauthorized
from warroom.services import audit
from warroom.services.context import Context

MIN_PASSWORD = 8
MAX_PASSWORD = 1024
DEMO_USER = "demo"
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Checked against when the name is unknown, so a wrong name costs as long as a wrong
    password (made on first use: hashing takes a noticeable part of a second)."""
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    """Who is signed in: enough to decide what they may do and how times are shown."""

    name: str
    role: AccessRole
    timezone: str
    generation: int  # moves on at sign-out and password change, ending earlier sessions


def as_user(row: PersonRow) -> User:
    assert row.role is not None and row.password_hash is not None
    return User(row.name, AccessRole(row.role), row.timezone, row.session_generation or 0)


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"password must be at least {MIN_PASSWORD} characters.", field="password")
    if len(password) > MAX_PASSWORD:
        raise Invalid(f"password must be at most {MAX_PASSWORD} characters.", field="password")
    if "\x00" in password:
        raise Invalid("password must not contain NUL characters.", field="password")
    return password


def _check_name(ctx: Context, name: str) -> str:
    name = name.strip()
    if not NAME.fullmatch(name):
        raise Invalid(
            "name must be 1-80 letters, digits, '.', '_' or '-', starting with a letter or digit.",
            field="name",
        )
    if ctx.config.person(name) is not None:
        raise Conflict(
            f"{name!r} is a person in the config file; choose another name.", field="name"
        )
    return name


def _check_zone(zone: str) -> str:
    try:
        ZoneInfo(zone)
    except (KeyError, ValueError):
        raise Invalid(
            f"timezone {zone!r} is not a known time zone (e.g. Europe/Oslo).", field="timezone"
        ) from None
    return zone


def _row(session: Session, name: str) -> PersonRow | None:
    if "\x00" in name:
        return None
    return session.scalar(select(PersonRow).where(PersonRow.name == name))


def create(
    session: Session,
    *,
    ctx: Context,
    actor: str,
    name: str,
    role: AccessRole,
    password: str,
    email: str | None = None,
    timezone: str | None = None,
) -> User:
    """A new user; a person without a sign-in yet is given one (same row)."""
    name = _check_name(ctx, name)
    zone = _check_zone(timezone) if timezone else None
    digest = _hasher.hash(_check_password(password))
    email = (email or "").strip() or None
    if email is not None and ("@" not in email or len(email) > 254):
        raise Invalid(f"email {email!r} is not an email address.", field="email")
    now = ctx.clock.now()
    row = _row(session, name)
    if row is not None and row.password_hash is not None:
        raise Conflict(f"a user named {name!r} already exists.", field="name")
    if row is None:
        row = PersonRow(name=name, timezone="UTC", contacts=[], created_at=now)
        session.add(row)
    row.role, row.password_hash, row.updated_at = role.value, digest, now
    row.email = email or row.email
    row.timezone = zone or row.timezone
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a user named {name!r} already exists.", field="name") from None
    audit.record(session, ctx=ctx, actor=actor, action="user.create", subject=name)
    return as_user(row)


def set_password(session: Session, *, ctx: Context, actor: str, name: str, password: str) -> User:
    row = _row(session, name)
    if row is None or row.role is None:
        raise NotFound(f"no user is named {name!r}.", field="name")
    row.password_hash = _hasher.hash(_check_password(password))
    row.session_generation = (row.session_generation or 0) + 1
    row.updated_at = ctx.clock.now()
    audit.record(session, ctx=ctx, actor=actor, action="user.password", subject=name)
    return as_user(row)


def end_sessions(session: Session, *, name: str) -> None:
    """End every web session of this user (signing out ends them on every device)."""
    row = _row(session, name)
    if row is not None:
        row.session_generation = (row.session_generation or 0) + 1


def authenticate(session: Session, *, name: str, password: str) -> User:
    """The user with this name and password; one refusal for every kind of mismatch."""
    row = _row(session, name.strip())
    usable = row is not None and row.role is not None and row.disabled_at is None
    stored = row.password_hash if usable and row is not None else None
    try:
        ok = _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:
        raise Unauthorized("That name and password do not match.", field="password")
    return as_user(row)


def find(session: Session, name: str) -> User | None:
    """The user signed in under this name, if they still may sign in."""
    row = _row(session, name)
    if row is None or row.role is None or row.password_hash is None or row.disabled_at:
        return None
    return as_user(row)


def list_users(session: Session) -> list[PersonRow]:
    query = select(PersonRow).where(PersonRow.role.is_not(None)).order_by(PersonRow.name)
    return list(session.scalars(query))


def ensure_demo_user(session: Session, *, ctx: Context) -> str:
    """The demo admin with a fresh password on each demo start; returns the password."""
    password = secrets.token_urlsafe(9)
    if find(session, DEMO_USER) is not None:
        set_password(session, ctx=ctx, actor=audit.SYSTEM, name=DEMO_USER, password=password)
    else:
        role = AccessRole.ADMIN
        create(session, ctx=ctx, actor=audit.SYSTEM, name=DEMO_USER, role=role, password=password)
    return password


def names(session: Session, *, ctx: Context, limit: int = 500) -> list[str]:
    """Everyone who can be named on an incident: config people, then stored people."""
    stored = session.scalars(select(PersonRow.name).order_by(PersonRow.name).limit(limit))
    known = [p.name for p in ctx.config.people]
    return known + [n for n in stored if n not in known]
