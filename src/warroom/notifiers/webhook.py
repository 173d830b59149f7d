"""warroom's own webhook: a JSON body signed with HMAC-SHA256 over timestamp and body
(`X-Warroom-Signature: t=…,v1=…`), and an `Idempotency-Key` so a receiver can drop a
retried repeat. Contact URLs look like `webhook+https://host/path`."""

from __future__ import annotations

import json
import time

import httpx

from warroom.domain import signatures
from warroom.notifiers.base import Message, TransportError

PREFIX = "webhook+"
TRANSIENT = {408, 425, 429}


class SignedWebhook:
    def __init__(self, url: str, *, secret: str, timeout: float = 10.0) -> None:
        self.url = url.removeprefix(PREFIX)
        self.secret = secret
        self.timeout = timeout

    def send(self, message: Message) -> None:
        body = json.dumps(
            {"subject": message.subject, "body": message.body, **message.data},
            separators=(",", ":"),
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": message.idempotency_key,
            signatures.HEADER: signatures.sign(self.secret, int(time.time()), body),
            "User-Agent": "warroom",
        }
        try:
            response = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from None
        if response.is_success:
            return
        status = response.status_code
        permanent = 400 <= status < 500 and status not in TRANSIENT
        raise TransportError(f"HTTP {status} from {self.url}", permanent=permanent)
