"""Integration keys, cached: a storm of webhooks does not read the integrations table
once per request."""

from __future__ import annotations

from warroom.api.keycache import KeyCache
from warroom.db.engine import Database
from warroom.services.ingest.integrations import Sender, sender_for_key

TTL_SECONDS = 5.0


def sender_cache(db: Database) -> KeyCache[Sender]:
    def read(key: str) -> Sender | None:
        with db.lookup() as session:
            return sender_for_key(session, key)

    return KeyCache(read, ttl_seconds=TTL_SECONDS)
