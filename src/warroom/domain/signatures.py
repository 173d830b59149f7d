"""HMAC-SHA256 signatures over a timestamp and a body: `t=<unix seconds>,v1=<hex>`.

The signed text is `<t>.<body>`, so a captured request cannot be replayed once its
timestamp leaves the tolerance window, and a changed body breaks the signature. Within the
window the receiver refuses a signature it has already taken (`services/ingest/replays`).
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Warroom-Signature"
TOLERANCE_SECONDS = 300


def _parts(header: str) -> tuple[str, str]:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    return parts.get("t", ""), parts.get("v1", "")


def _ascii_digits(text: str) -> bool:
    """0-9 only (str.isdigit also takes '²' and other digits int() refuses)."""
    return text.isascii() and text.isdigit() and len(text) < 20


def same_secret(given: str, expected: str) -> bool:
    """A constant-time comparison that takes any text (compare_digest refuses non-ASCII
    str): what a request sends may be anything."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


def digest(header: str) -> str:
    """The signature proper (the `v1` hex) of a header `check` accepted."""
    return _parts(header)[1]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def check(secret: str, header: str | None, body: bytes, *, now: float) -> str | None:
    """None when the signature is good; otherwise the reason it is refused."""
    if not header:
        return f"the {HEADER} header is missing"
    stamp, given = _parts(header)
    if not _ascii_digits(stamp) or not given or not given.isascii():
        return f"the {HEADER} header must look like t=<unix seconds>,v1=<hex>"
    if abs(now - int(stamp)) > TOLERANCE_SECONDS:
        return "the signature timestamp is too old or in the future (replay refused)"
    expected = sign(secret, int(stamp), body).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, given):
        return "the signature does not match the body"
    return None
