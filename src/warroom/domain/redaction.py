"""Credentials never leave warroom in what it shows: a contact URL (it may hold a token, a
password or a webhook's secret) is shown as its channel, and text that may quote a URL
(a delivery's error) names the channel instead."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

# Services whose host part is itself a credential (a Slack or Discord webhook's tokens).
HOST_IS_SECRET = ("slack", "discord", "msteams", "tgram", "ntfy", "pover", "pbul", "join")
MASK = "***"
_ANY_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
SECRET_KEYS = ("token", "secret", "password", "key", "dsn")  # config keys whose values are masked
HIDDEN_VALUES = ("env",)  # config keys whose mapping keeps its names, not its values


@lru_cache(maxsize=4096)  # a storm pages the same few contacts thousands of times
def channel_of(url: str) -> str:
    """What a contact is, without its secrets: `slack`, `json (127.0.0.1)`."""
    parts = urlsplit(url.removeprefix("webhook+"))
    scheme = "webhook" if url.startswith("webhook+") else parts.scheme
    try:
        host = parts.hostname
    except ValueError:  # a malformed host: say nothing of it
        host = None
    return f"{scheme} ({host})" if host and scheme not in HOST_IS_SECRET else scheme


def _secret_parts(url: str) -> list[str]:
    """The pieces of a URL that may be credentials, 8 characters or more, longest first:
    user and password, path segments, query values, and the host of a service whose
    host is a token."""
    parts = urlsplit(url.removeprefix("webhook+"))
    userinfo, _, host = parts.netloc.rpartition("@")
    pieces = [userinfo, parts.path, parts.query, parts.username, parts.password]
    pieces += parts.path.split("/") + [pair.partition("=")[2] for pair in parts.query.split("&")]
    if parts.scheme in HOST_IS_SECRET:
        pieces.append(host)
    found = {p for p in pieces if p and len(p) >= 8}
    found |= {unquote(p) for p in found}
    return sorted(found, key=len, reverse=True)


def scrub(text: str, url: str | None) -> str:
    """`text` (a delivery's error, say) with the contact URL and every URL in it replaced
    by a channel name, and any credential of the contact's URL masked."""
    named: list[str] = []

    def hold(channel: str) -> str:  # channel names go in last, so masking never cuts one
        named.append(channel)
        return f"\x00{len(named) - 1}\x00"

    if url:
        for form in (url, url.removeprefix("webhook+")):
            if form in text:
                text = text.replace(form, hold(channel_of(url)))
    text = _ANY_URL.sub(lambda m: hold(channel_of(m.group(0))), text)
    if url:
        for piece in _secret_parts(url):
            text = text.replace(piece, MASK)
    return re.sub("\x00(\\d+)\x00", lambda m: named[int(m.group(1))], text)


def masked_config(dumped: Any) -> Any:
    """A config as `model_dump(mode="json")` gives it, with every contact shown as its
    channel and every value under a key naming a secret masked."""
    if isinstance(dumped, dict):
        masked: dict[str, Any] = {}
        for key, value in dumped.items():
            if key == "contacts" and isinstance(value, list):
                masked[key] = [channel_of(v) if isinstance(v, str) else MASK for v in value]
            elif key in HIDDEN_VALUES and isinstance(value, dict):
                masked[key] = dict.fromkeys(value, MASK)
            elif value is not None and any(word in key.lower() for word in SECRET_KEYS):
                masked[key] = MASK
            else:
                masked[key] = masked_config(value)
        return masked
    if isinstance(dumped, list):
        return [masked_config(item) for item in dumped]
    return dumped
