"""Which IP addresses are on the public internet: a status page subscriber's webhook may
go only to those (not loopback, private, link-local or reserved ones)."""

from __future__ import annotations

import ipaddress


def public(address: str) -> bool:
    """`address` (`[::1]` and a `%zone` suffix allowed) is a public one; ValueError when
    it is not an IP address at all."""
    return bool(ipaddress.ip_address(address.strip("[]").split("%")[0]).is_global)
