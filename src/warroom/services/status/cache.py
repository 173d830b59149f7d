"""Public responses, cached: made once from a snapshot, kept until a change.

A use case that changes what the page shows marks its session (`mark_changed`); after
that session commits, this process's cache is out of date. Changes made by other
processes (the CLI, another server, a worker of its own) show once an entry is older
than TTL. While one thread makes an entry again, the others get the previous one at
once instead of waiting (it is at most that one build older)."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.db.engine import Database

CHANGED = "warroom_status_changed"
TTL = timedelta(seconds=1)
T = TypeVar("T")


def mark_changed(session: Session) -> None:
    session.info[CHANGED] = True


class PublicCache:
    def __init__(self, clock: Clock, ttl: timedelta = TTL) -> None:
        self.clock = clock
        self.ttl = ttl
        self.generation = 0
        self._entries: dict[str, tuple[int, datetime, Any]] = {}
        self._building: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _fresh(self, entry: tuple[int, datetime, Any], now: datetime) -> bool:
        return bool(entry[0] == self.generation and timedelta(0) <= now - entry[1] < self.ttl)

    def peek(self, key: str) -> Any | None:
        """The cached value if it is fresh, or while another thread makes it again; else
        None. Never builds, never blocks."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._fresh(entry, self.clock.now()):
            return entry[2]
        building = self._building.get(key)
        return entry[2] if building is not None and building.locked() else None

    def get(self, key: str, build: Callable[[], T]) -> T:
        """The fresh value; else `build()`'s, made by one thread at a time (the others
        meanwhile get the previous value, or wait for the first one)."""
        entry = self._entries.get(key)
        if entry is not None and self._fresh(entry, self.clock.now()):
            value: T = entry[2]
            return value
        with self._guard:
            lock = self._building.setdefault(key, threading.Lock())
        if entry is not None and not lock.acquire(blocking=False):
            stale: T = entry[2]  # another thread is making it: the previous one meanwhile
            return stale
        if entry is None:
            lock.acquire()
        try:
            entry = self._entries.get(key)
            now = self.clock.now()
            if entry is not None and self._fresh(entry, now):
                found: T = entry[2]
                return found
            generation = self.generation
            built = build()
            self._entries[key] = (generation, now, built)
            return built
        finally:
            lock.release()

    def invalidate(self) -> None:
        self.generation += 1


_caches: weakref.WeakKeyDictionary[Any, PublicCache] = weakref.WeakKeyDictionary()
_made = threading.Lock()


def cache_for(db: Database, clock: Clock) -> PublicCache:
    """This database's cache, out of date after each commit of a marked session; entries
    live TTL by `clock` (the first caller's)."""
    cache = _caches.get(db.write)
    if cache is not None:
        return cache
    with _made:
        cache = _caches.get(db.write)
        if cache is None:
            cache = _caches[db.write] = PublicCache(clock)
            _listen(db, cache)
        return cache


def _listen(db: Database, cache: PublicCache) -> None:
    @event.listens_for(db.write, "after_commit")
    def _changed(session: Session) -> None:
        if session.info.pop(CHANGED, False):
            cache.invalidate()

    @event.listens_for(db.write, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(CHANGED, None)
