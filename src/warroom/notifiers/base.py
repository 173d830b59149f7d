"""What every transport shares: the message, the send call, and how it fails."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Message:
    subject: str
    body: str
    idempotency_key: str  # the same for every retry of one notification
    sent_at: int = 0  # unix seconds of this attempt (signed webhooks carry it)
    data: dict[str, Any] = field(default_factory=dict)  # structured form, for webhooks


TRANSIENT = {408, 425, 429}  # 4xx answers that say "try again later"


def refused_for_good(status: int) -> bool:
    """An HTTP answer that a retry cannot change: a 4xx other than the transient ones."""
    return 400 <= status < 500 and status not in TRANSIENT


class TransportError(Exception):
    """A failed send. Permanent failures (the receiver refuses the request itself) are
    not retried; the contact is disabled and an admin is told."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class Transport(Protocol):
    def send(self, message: Message) -> None:
        """Deliver the message or raise TransportError."""
        ...
