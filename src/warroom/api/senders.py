"""A short-lived cache of integration keys, so a storm of webhooks does not read the
integrations table once per request. Changes made through this process (disable, rotate)
clear it at once; other processes see them within TTL_SECONDS."""

from __future__ import annotations

import time

from starlette.concurrency import run_in_threadpool

from warroom.db.engine import Database
from warroom.services.integrations import Sender, sender_for_key

TTL_SECONDS = 5.0


class SenderCache:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._entries: dict[str, tuple[Sender | None, float]] = {}

    async def get(self, key: str) -> Sender | None:
        entry = self._entries.get(key)
        if entry is not None and entry[1] > time.monotonic():
            return entry[0]
        sender = await run_in_threadpool(self._read, key)
        if len(self._entries) > 10_000:  # keys guessed at random must not grow it forever
            self._entries.clear()
        self._entries[key] = (sender, time.monotonic() + TTL_SECONDS)
        return sender

    def _read(self, key: str) -> Sender | None:
        with self.db.read() as session:
            return sender_for_key(session, key)

    def clear(self) -> None:
        self._entries.clear()
