"""Subscriber webhooks go to public hosts only (unless the admin allows private ones):
a URL whose host is, or resolves to, a loopback, private, link-local or reserved address
is refused when someone subscribes and again before each delivery (the name may resolve
elsewhere by then); the delivery's connection is checked too, by the address it reached
(notifiers/posting.py `public_only`), so a name that changes its answer in between gets
nothing either. Resolving is network I/O: never inside a transaction."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from warroom.domain.addresses import public
from warroom.errors import Invalid

LOCAL_NAMES = ("localhost", "localhost.localdomain")


def private_literal(host: str) -> bool:
    """Private by its name alone: localhost, `.local`, or a non-global IP address."""
    name = host.lower().rstrip(".")
    if name in LOCAL_NAMES or name.endswith((".local", ".localhost")):
        return True
    try:
        return not public(name)
    except ValueError:
        return False


def private_address(host: str, port: int | None) -> str | None:
    """The first non-global address `host` resolves to (None: all public, or it does not
    resolve, which the send itself then reports)."""
    try:
        found = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return None
    for *_, sockaddr in found:
        address = str(sockaddr[0]).split("%")[0]
        if not public(address):
            return address
    return None


def refusal(url: str) -> str | None:
    """Why a webhook URL must not be sent to (its host is private), or None."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        return None  # not a URL with a host: refused as malformed where it is cleaned
    try:
        port = parts.port
    except ValueError:
        port = None
    if private_literal(host):
        return "the webhook's host is not a public one"
    address = private_address(host, port)
    if address is not None:
        return f"the webhook's host resolves to a private address ({address})"
    return None


def vet(url: str, *, allow_private: bool) -> None:
    """Refuse (`url`) a webhook whose host resolves to a private address; call it with no
    transaction open."""
    if allow_private:
        return
    why = refusal(url.strip())
    if why is not None:
        raise Invalid(f"url must point at a public host: {why}.", field="url")
