"""POSTing a body over HTTP(S), keeping connections alive, for the worker's sends.

A page storm is thousands of requests from one worker, so the cost of a request counts.
A connection is opened by http.client (which does TLS and the proxy's CONNECT tunnel) and
then spoken on with h11, the HTTP/1.1 state machine httpx and uvicorn are built on: about
75 µs of CPU a request here, against 265 for http.client's own requests and answers (its
header parsing goes through the email package) and 450 for urllib3's pool (a scratch loop
of 3,000 POSTs to a loopback server). Connections are kept per thread (one is used by one
thread at a time) and per origin and proxy. A kept connection the receiver closed while
idle fails at once; the request then goes again, once, on a new connection (the receiver
may see it twice: the Idempotency-Key says so).

The proxy the environment names (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`) is honoured:
plain HTTP goes to the proxy with the whole URL, HTTPS through a CONNECT tunnel, with the
proxy's credentials if its URL has them.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
from base64 import b64encode
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit
from urllib.request import getproxies, proxy_bypass

import h11

_kept = threading.local()  # this thread's connections, by Origin


class PostFailed(Exception):
    """The request got no answer: no connection, a timeout, or a broken response."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a connection goes: the target, and the proxy it goes through (if any)."""

    scheme: str
    host: str
    port: int
    proxy: str | None


@lru_cache(maxsize=1)
def environment_proxies() -> dict[str, str]:
    """The proxies the environment names, read once per process (reading costs 0.1 ms)."""
    return getproxies()


def proxy_for(url: str) -> str | None:
    """The proxy the environment names for this URL, as httpx and requests honour them."""
    parts = urlsplit(url)
    proxy = environment_proxies().get(parts.scheme)
    return proxy if proxy and not proxy_bypass(parts.hostname or "") else None


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """One per process: loading the CA certificates costs tens of milliseconds."""
    return ssl.create_default_context()


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> int:
    """POST `body` to `url`; the answer's status. Raises PostFailed with no answer."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PostFailed(f"not an http(s) URL: {url}")
    origin = Origin(
        parts.scheme,
        parts.hostname,
        parts.port or (443 if parts.scheme == "https" else 80),
        proxy_for(url),
    )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sent = [("Host", parts.netloc.rpartition("@")[2]), ("Content-Length", str(len(body)))]
    if origin.proxy and origin.scheme == "http":
        target = url.split("#", 1)[0]  # a plain-HTTP proxy is given the whole URL
        sent += _proxy_credentials(origin.proxy).items()
    request = h11.Request(method="POST", target=target, headers=[*sent, *headers.items()])
    kept: dict[Origin, _Link] = _kept.__dict__.setdefault("by_origin", {})
    for attempt in (1, 2):
        link = kept.pop(origin, None)
        reused = link is not None
        try:
            if link is None:
                link = _Link(_connect(origin, timeout))
            status = link.exchange(request, body, timeout=timeout)
        except (OSError, h11.ProtocolError, http.client.HTTPException) as exc:
            if link is not None:
                link.close()
            if reused and attempt == 1 and isinstance(exc, _CLOSED_WHILE_KEPT):
                continue
            raise PostFailed(f"{type(exc).__name__}: {exc}") from None
        if link.reusable():
            kept[origin] = link
        else:
            link.close()
        return status
    raise AssertionError("unreachable")  # pragma: no cover


class _ClosedUnanswered(ConnectionError):
    """The receiver closed the connection before answering."""


# The receiver closed an idle kept connection: the request never reached it whole.
_CLOSED_WHILE_KEPT = (_ClosedUnanswered, BrokenPipeError, ConnectionResetError)


class _Link:
    """A connected socket and the HTTP/1.1 state of the exchanges on it."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.state = h11.Connection(h11.CLIENT)

    def exchange(self, request: h11.Request, body: bytes, *, timeout: float) -> int:
        """Send the request, read the whole answer (its body is dropped); its status."""
        state = self.state
        self.sock.settimeout(timeout)
        self.sock.sendall(
            state.send(request) + state.send(h11.Data(data=body)) + state.send(h11.EndOfMessage())
        )
        status: int | None = None
        while True:
            event = state.next_event()
            if event is h11.NEED_DATA:
                data = self.sock.recv(65536)
                if not data and status is None:
                    raise _ClosedUnanswered("the receiver closed the connection unanswered")
                state.receive_data(data)
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.EndOfMessage) and status is not None:
                return status

    def reusable(self) -> bool:
        """Both sides are done and neither said close: ready for the next request."""
        if self.state.our_state is h11.DONE and self.state.their_state is h11.DONE:
            self.state.start_next_cycle()
            return True
        return False

    def close(self) -> None:
        self.sock.close()


def _connect(origin: Origin, timeout: float) -> socket.socket:
    """A connected socket to the origin: TLS and the proxy's tunnel as http.client does them."""
    connection: http.client.HTTPConnection
    if origin.proxy is None:
        if origin.scheme == "https":
            connection = http.client.HTTPSConnection(
                origin.host, origin.port, timeout=timeout, context=tls_context()
            )
        else:
            connection = http.client.HTTPConnection(origin.host, origin.port, timeout=timeout)
    else:
        proxy = urlsplit(origin.proxy if "://" in origin.proxy else f"http://{origin.proxy}")
        host = proxy.hostname or ""
        port = proxy.port or (443 if proxy.scheme == "https" else 80)
        if origin.scheme == "http":
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        else:
            connection = http.client.HTTPSConnection(
                host, port, timeout=timeout, context=tls_context()
            )
            connection.set_tunnel(
                origin.host, origin.port, headers=_proxy_credentials(origin.proxy)
            )
    try:
        connection.connect()
    except BaseException:
        connection.close()
        raise
    sock: socket.socket = connection.sock
    return sock


def _proxy_credentials(proxy: str) -> dict[str, str]:
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if parts.username is None:
        return {}
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
    return {"Proxy-Authorization": "Basic " + b64encode(pair).decode()}
