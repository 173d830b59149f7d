"""warroom's own webhook: a JSON body signed with HMAC-SHA256 over timestamp and body
(`X-Warroom-Signature: t=…,v1=…`), and an `Idempotency-Key` so a receiver can drop a
retried repeat. Contact URLs look like `webhook+https://host/path?secret=…`; the secret
is what the receiver checks the signature with."""

from __future__ import annotations

import json
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from warroom.domain import signatures
from warroom.notifiers import posting
from warroom.notifiers.base import Message, TransportError, refused_for_good

PREFIX = "webhook+"


@lru_cache(maxsize=4096)  # a storm sends to the same few contacts thousands of times
def split_secret(url: str) -> tuple[str, str | None]:
    """`webhook+https://h/p?secret=S&x=1` → (`https://h/p?x=1`, `S`): the secret signs,
    it is never sent."""
    parts = urlsplit(url.removeprefix(PREFIX))
    query = parse_qsl(parts.query, keep_blank_values=True)
    secret = next((v for k, v in query if k == "secret"), None)
    rest = urlencode([(k, v) for k, v in query if k != "secret"])
    return urlunsplit(parts._replace(query=rest)), secret


class SignedWebhook:
    def __init__(self, url: str, *, timeout: float = 10.0, public_only: bool = False) -> None:
        self.url, secret = split_secret(url)
        if not secret:
            raise TransportError("the webhook URL has no ?secret= to sign with", permanent=True)
        self.secret = secret
        self.timeout = timeout
        self.public_only = public_only  # a subscriber's: it must reach a public address

    def send(self, message: Message) -> None:
        body = json.dumps(
            {"subject": message.subject, "body": message.body, **message.data},
            separators=(",", ":"),
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": message.idempotency_key,
            signatures.HEADER: signatures.sign(self.secret, message.sent_at, body),
            "User-Agent": "warroom",
        }
        try:
            status = posting.post(
                self.url, body, headers, timeout=self.timeout, public_only=self.public_only
            )
        except posting.PostFailed as exc:
            raise TransportError(str(exc)) from None
        if 200 <= status < 300:
            return
        permanent = refused_for_good(status)
        raise TransportError(f"the webhook answered HTTP {status}", permanent=permanent)
