"""One-click acknowledge links: a random token per page, stored hashed, expiring, used once.

A token reads `<incident id>.<secret>` (the urlsafe alphabet of the secret has no '.'):
the link is found by its incident (an index that grows at its right edge as pages are
sent), then by the sha256 of the whole token. Tokens issued before migration 0007 are a
bare secret: found, until they expire, through ack_tokens_legacy (its primary key is the
hash), which 0007 filled with every link there at the upgrade and which nothing adds to.
Never by hash in ack_tokens, which has no index on it: /ack needs no login, and a scan of
that ever-growing table per request would be anyone's for the asking.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import AckToken, AckTokenLegacy, Incident
from warroom.db.queries.paging import INSERT_ACK_LINKS
from warroom.domain.incidents import Status
from warroom.errors import Conflict, NotFound
from warroom.services.context import Context


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


MAX_INCIDENT_ID = 2**31 - 1
_INCIDENT_ID = re.compile(r"[0-9]{1,10}")
# What the code before 0007 issued: secrets.token_urlsafe(24), 32 characters.
_LEGACY_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def mint(incident_id: int) -> str:
    """A fresh token for a link to this incident (not stored until `issue_all`)."""
    return f"{incident_id}.{secrets.token_urlsafe(24)}"


def issue_all(
    session: Session,
    *,
    ctx: Context,
    wanted: list[tuple[int, str]],
    tokens: list[str] | None = None,
) -> list[str]:
    """A link for each (incident, person), written in one INSERT; the plain tokens. The
    tokens are fresh ones unless given (minted by `mint` before the transaction began)."""
    now = ctx.clock.now()
    if tokens is None:
        tokens = [mint(incident_id) for incident_id, _ in wanted]
    expires = now + ctx.config.ack_link_ttl
    rows = [
        (_hash(token), incident_id, person, now, expires)
        for token, (incident_id, person) in zip(tokens, wanted, strict=True)
    ]
    INSERT_ACK_LINKS.write(session.connection(), rows)
    return tokens


def find(session: Session, *, ctx: Context, token: str) -> tuple[AckToken, Incident]:
    """The link and its incident, or a refusal saying why the link no longer works."""
    link = _lookup(session, token)
    if link is None:
        raise NotFound("This acknowledge link is not valid.", field="token")
    if link.used_at is not None:
        raise Conflict("This acknowledge link was already used.", field="token")
    if link.expires_at <= ctx.clock.now():
        raise Conflict("This acknowledge link has expired.", field="token")
    incident = session.get(Incident, link.incident_id)
    assert incident is not None  # a foreign key guarantees it
    return link, incident


def _lookup(session: Session, token: str) -> AckToken | None:
    """The link this token is for, if any. The plain token never reaches the database:
    only its hash, and the incident id it names."""
    incident, dot, _secret = token.partition(".")
    if dot:
        if _INCIDENT_ID.fullmatch(incident) is None:
            return None
        incident_id = int(incident)
        if not 1 <= incident_id <= MAX_INCIDENT_ID:
            return None
        return session.scalar(
            select(AckToken).where(
                AckToken.incident_id == incident_id, AckToken.token_hash == _hash(token)
            )
        )
    if _LEGACY_TOKEN.fullmatch(token) is None:
        return None
    # A token from before migration 0007 (a bare secret), valid until it expires
    # (ack_link_ttl): its hash is a primary key of ack_tokens_legacy, whose row names the
    # link by id. A bare token that isn't there was never issued: not valid, even were
    # its hash in ack_tokens (looking there would scan the table).
    link_id = session.scalar(
        select(AckTokenLegacy.link_id).where(AckTokenLegacy.token_hash == _hash(token))
    )
    return None if link_id is None else session.get(AckToken, link_id)


def redeem(session: Session, *, ctx: Context, token: str) -> tuple[Incident, bool]:
    """Use the link: acknowledge if still triggered. Returns (incident, acknowledged now)."""
    from warroom.services.incidents import lifecycle

    link, incident = find(session, ctx=ctx, token=token)
    link.used_at = ctx.clock.now()
    if incident.status != Status.TRIGGERED:
        return incident, False
    acked = lifecycle.acknowledge(session, ctx=ctx, actor=link.person, incident_id=incident.id)
    return acked, True
