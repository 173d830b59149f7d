"""A limit on subscribe requests per client address (per process): a minute's window."""

from __future__ import annotations

import threading
import weakref
from collections import deque
from datetime import datetime, timedelta
from typing import Any

from warroom.db.engine import Database
from warroom.errors import WarroomError

WINDOW = timedelta(minutes=1)
MAX_CLIENTS = 10_000  # addresses remembered at most; the oldest are forgotten


class TooManyRequests(WarroomError):
    status = 429
    code = "too_many_requests"


class Throttle:
    def __init__(self) -> None:
        self._seen: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def check(self, client: str, *, now: datetime, per_minute: int) -> None:
        """Count one request from `client`; refuse it when over `per_minute`."""
        with self._lock:
            times = self._seen.pop(client, None) or deque()
            while times and now - times[0] >= WINDOW:
                times.popleft()
            if len(self._seen) >= MAX_CLIENTS:
                self._seen.pop(next(iter(self._seen)))
            self._seen[client] = times
            if len(times) >= per_minute:
                raise TooManyRequests(
                    "Too many subscribe requests from this address; wait a minute.",
                    field="client",
                )
            times.append(now)


_throttles: weakref.WeakKeyDictionary[Any, Throttle] = weakref.WeakKeyDictionary()
_made = threading.Lock()


def subscribe_throttle(db: Database) -> Throttle:
    """The subscribe limit of the server on this database (one per app)."""
    with _made:
        found = _throttles.get(db.write)
        if found is None:
            found = _throttles[db.write] = Throttle()
        return found
