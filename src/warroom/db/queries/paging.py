"""Paging's hot statements: acknowledge links written in bulk, disabled contacts."""

from __future__ import annotations

from sqlalchemy import Table, insert

from warroom.db.models import AckToken
from warroom.db.sql import Keyed, Statement

ACK_TOKENS: Table = AckToken.__table__  # type: ignore[assignment]

# New acknowledge links: rows of (token_hash, incident_id, person, created_at, expires_at).
INSERT_ACK_LINKS = Statement(
    insert(ACK_TOKENS).inline(),
    columns=("token_hash", "incident_id", "person", "created_at", "expires_at"),
)

# The disabled contact URLs of some people: (person, url) rows.
DISABLED = Keyed("SELECT person, url FROM disabled_contacts WHERE person {keys}")
