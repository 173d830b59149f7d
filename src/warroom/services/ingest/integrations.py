"""Integrations: where alerts come from. The key in the URL is shown once, stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import Integration
from warroom.errors import Conflict, Invalid, NotFound
from warroom.services import audit
from warroom.services.context import Context
from warroom.sources import KINDS

MAX_RATE = 1_000_000.0  # alerts a second an integration's own limit may allow
MAX_BURST = 10_000_000


@dataclass(frozen=True, slots=True)
class Sender:
    """What the ingest path needs to know of an integration (cached between requests)."""

    id: int
    name: str
    kind: str
    service: str | None
    hmac_secret: str | None
    disabled: bool
    rate: float | None = None  # its own intake limit; None: the config's
    burst: int | None = None


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def url_for(public_url: str, kind: str, key: str) -> str:
    base = public_url.rstrip("/")
    return f"{base}/v2/enqueue" if kind == "pagerduty" else f"{base}/api/v1/ingest/{key}/{kind}"


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise Invalid(f"kind {kind!r} is not one of {', '.join(KINDS)}.", field="kind")
    return kind


def create(
    session: Session,
    *,
    ctx: Context,
    actor: str,
    name: str,
    kind: str,
    service: str | None = None,
    hmac_secret: str | None = None,
    rate: float | None = None,
    burst: int | None = None,
) -> tuple[Integration, str]:
    name = name.strip()
    if not name or len(name) > 80 or "\x00" in name:
        raise Invalid("name must be 1 to 80 characters.", field="name")
    if hmac_secret is not None and not 16 <= len(hmac_secret) <= 200:
        raise Invalid("hmac_secret must be 16 to 200 characters.", field="hmac_secret")
    if hmac_secret is None and kind in ctx.config.security.signed_kinds:
        raise Invalid(
            f"integrations of kind {kind} must sign their requests (the config's"
            " security.signed_kinds): give an hmac_secret.",
            field="hmac_secret",
        )
    if session.scalar(select(Integration.id).where(Integration.name == name)):
        raise Conflict(f"an integration named {name!r} already exists.", field="name")
    key = secrets.token_hex(16)
    integration = Integration(
        name=name,
        kind=_check_kind(kind),
        key_hash=key_hash(key),
        service=ctx.config.check_service(service),
        hmac_secret=hmac_secret,
        created_at=ctx.clock.now(),
        rate=_check_rate(rate),
        burst=_check_burst(burst),
    )
    session.add(integration)
    session.flush()
    audit.record(session, ctx=ctx, actor=actor, action="integration.create", subject=name)
    return integration, key


def _check_rate(rate: float | None) -> float | None:
    if rate is not None and not 0 <= rate <= MAX_RATE:
        raise Invalid(f"rate must be 0 (no limit) to {MAX_RATE:g} alerts a second.", field="rate")
    return rate


def _check_burst(burst: int | None) -> int | None:
    if burst is not None and not 1 <= burst <= MAX_BURST:
        raise Invalid(f"burst must be 1 to {MAX_BURST:,} alerts.", field="burst")
    return burst


def set_limit(
    session: Session,
    *,
    ctx: Context,
    actor: str,
    name: str,
    rate: float | None,
    burst: int | None,
) -> Integration:
    """Give an integration its own intake limit; None for either: the config's again."""
    integration = by_name(session, name)
    integration.rate, integration.burst = _check_rate(rate), _check_burst(burst)
    shown = f"{name} rate={_shown(rate)} burst={_shown(burst)}"
    audit.record(session, ctx=ctx, actor=actor, action="integration.limit", subject=shown)
    return integration


def _shown(value: float | None) -> str:
    return "default" if value is None else f"{value:g}"


def by_name(session: Session, name: str) -> Integration:
    found = session.scalar(select(Integration).where(Integration.name == name))
    if found is None:
        raise NotFound(f"no integration is named {name!r}.", field="name")
    return found


def list_all(session: Session) -> list[Integration]:
    return list(session.scalars(select(Integration).order_by(Integration.id)))


def disable(session: Session, *, ctx: Context, actor: str, name: str) -> Integration:
    integration = by_name(session, name)
    if integration.disabled_at is None:
        integration.disabled_at = ctx.clock.now()
        audit.record(session, ctx=ctx, actor=actor, action="integration.disable", subject=name)
    return integration


def rotate_key(session: Session, *, ctx: Context, actor: str, name: str) -> tuple[Integration, str]:
    """A new key; the old URL stops working at once."""
    integration = by_name(session, name)
    key = secrets.token_hex(16)
    integration.key_hash = key_hash(key)
    audit.record(session, ctx=ctx, actor=actor, action="integration.rotate_key", subject=name)
    return integration, key


def sender_for_key(session: Session, key: str) -> Sender | None:
    found = session.scalar(select(Integration).where(Integration.key_hash == key_hash(key)))
    if found is None:
        return None
    return Sender(
        id=found.id,
        name=found.name,
        kind=found.kind,
        service=found.service,
        hmac_secret=found.hmac_secret,
        disabled=found.disabled_at is not None,
        rate=found.rate,
        burst=found.burst,
    )


def builtin_sender(session: Session, *, ctx: Context, name: str) -> Sender:
    """The sender of alerts warroom makes itself (health checks, drills): a generic
    integration of this name, made the first time it is needed (its key is never shown)."""
    found = session.scalar(select(Integration).where(Integration.name == name))
    if found is None:
        found, _ = create(session, ctx=ctx, actor=audit.SYSTEM, name=name, kind="generic")
    return Sender(found.id, found.name, found.kind, None, None, found.disabled_at is not None)
