"""A limit on subscribe requests per client address, kept in the database so that it
holds for every process on it (API replicas on PostgreSQL included): counted in windows
of a minute; old windows are forgotten as new ones start."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from warroom.db.engine import Database
from warroom.db.queries import throttles
from warroom.errors import TooManyRequests

WINDOW = timedelta(minutes=1)


def check_subscribe(db: Database, client: str, *, now: datetime, per_minute: int) -> None:
    """Count one subscribe request from `client` in a transaction of its own (it counts
    even if the subscription is refused afterwards); refuse it when over `per_minute`,
    with the seconds until the window ends as Retry-After."""
    start = now.replace(second=0, microsecond=0)
    with db.write.begin() as session:
        count = throttles.count_attempt(session, client=client[:64], window_start=start)
        if count == 1:  # this client's first in the window: drop the windows gone by
            throttles.prune(session, before=start)
    if count > per_minute:
        wait = math.ceil((start + WINDOW - now).total_seconds())
        raise TooManyRequests(
            "Too many subscribe requests from this address; wait a minute.",
            retry_after=max(1, wait),
            field="client",
        )
