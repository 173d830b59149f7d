"""Jobs that talk to the outside world: claimed and committed first, sent with no
transaction open, then recorded. A crash mid-send leaves the job leased; once the lease
runs out it is sent again with the same Idempotency-Key (at least once)."""

from __future__ import annotations

from datetime import datetime, timedelta
from random import uniform
from typing import Any

from warroom.config import WarroomConfig
from warroom.notifiers import Message, TransportError, transport_for
from warroom.services import deliveries

MAX_ATTEMPTS = 8  # with the backoff below: about 20 minutes of trying


def send(payload: dict[str, Any], config: WarroomConfig, *, now: datetime) -> None:
    url = deliveries.find_contact(config, payload["person"], payload["contact"])
    if url is None:
        raise TransportError("this contact is no longer in the config", permanent=True)
    message = Message(
        subject=payload["subject"],
        body=payload["body"],
        idempotency_key=payload["key"],
        data=payload.get("data", {}),
        sent_at=int(now.timestamp()),
    )
    transport_for(url).send(message)


def backoff(attempts: int) -> timedelta:
    """Exponential, capped at 10 minutes, with ±20% jitter so retries do not march."""
    base = min(600.0, 5.0 * 2 ** max(0, attempts - 1))
    return timedelta(seconds=base * uniform(0.8, 1.2))


KINDS = {deliveries.DELIVER}
