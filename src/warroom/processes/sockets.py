"""Listening sockets that share one address: one per server process, with SO_REUSEPORT."""

from __future__ import annotations

import socket

BACKLOG = 2048  # uvicorn's default


class PortUnavailable(Exception):
    """The address cannot be listened on; the message says why, in one sentence."""


def listen_shared(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` sockets listening on host:port, among which the kernel spreads connections.

    A plain bind comes first: it fails if anything listens there already, another warroom
    included (SO_REUSEPORT alone would let two of them share the port without a word).
    Port 0 picks one free port for all of them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # as uvicorn decides
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
            address = probe.getsockname()
        return [_listening(family, address) for _ in range(count)]
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise PortUnavailable(f"cannot listen on {host}:{port}: {reason}") from None


def _listening(family: socket.AddressFamily, address: tuple[str, int]) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock
