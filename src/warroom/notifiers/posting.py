"""POSTing a body over HTTP(S), keeping connections alive, for the worker's sends.

A page storm is thousands of requests from one worker, so the cost of a request counts.
A connection is opened by http.client (which does TLS and the proxy's CONNECT tunnel);
the request is then written as bytes (its header lines checked, so nothing in a URL or a
value can add a line of its own) and the answer read by httptools, the C parser (llhttp)
uvicorn reads requests with: about 40 µs of CPU a request, against 160 for h11's state
machine and more for http.client's own requests and answers (a scratch loop of 4,000
POSTs to a loopback server in another process). Interim answers (1xx) are passed over;
an answer is framed by its length, its chunks or the close of the connection.
Connections are kept per thread (one is used by one thread at a time) and per origin and
proxy. A kept connection the receiver closed while idle fails at once; the request then
goes again, once, on a new connection (the receiver may see it twice: the
Idempotency-Key says so).

The proxy the environment names (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`) is honoured:
plain HTTP goes to the proxy with the whole URL, HTTPS through a CONNECT tunnel, with the
proxy's credentials if its URL has them.

A send that must reach public hosts only (`public_only`: a status page subscriber's
webhook) checks the address its connection reached, after connecting: a name that
resolves to a private address now, whatever it resolved to a moment ago, gets nothing
(through a proxy, the proxy resolves and decides). Its connections are kept apart.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import threading
from base64 import b64encode
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit
from urllib.request import getproxies, proxy_bypass

import httptools

from warroom.domain.addresses import public

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


def forget_environment() -> None:
    """Read the environment's proxies again (tests change them), and every URL's route."""
    environment_proxies.cache_clear()
    _route.cache_clear()


def proxy_for(url: str) -> str | None:
    """The proxy the environment names for this URL, as httpx and requests honour them."""
    parts = urlsplit(url)
    proxy = environment_proxies().get(parts.scheme)
    return proxy if proxy and not proxy_bypass(parts.hostname or "") else None


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """One per process: loading the CA certificates costs tens of milliseconds."""
    return ssl.create_default_context()


@lru_cache(maxsize=4096)  # a storm sends to the same few URLs thousands of times
def _route(url: str) -> tuple[Origin, str]:
    """Where a POST to `url` connects, and the start of its request: the request line and
    the headers that depend on the URL alone."""
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
    host = parts.netloc.rpartition("@")[2]
    credentials = {}
    if origin.proxy and origin.scheme == "http":
        target = url.split("#", 1)[0]  # a plain-HTTP proxy is given the whole URL
        credentials = _proxy_credentials(origin.proxy)
    if _UNSAFE.search(target) or _UNSAFE.search(host):
        raise PostFailed(f"the URL has characters HTTP does not allow (spaces, control or"
                         f" non-ASCII characters: percent-encode them): {url!r}")  # fmt: skip
    head = f"POST {target} HTTP/1.1\r\nHost: {host}\r\n" + _header_lines(credentials)
    return origin, head


_UNSAFE = re.compile(r"[^\x21-\x7e]")  # in a URL: anything but visible ASCII
_UNSAFE_VALUE = re.compile(r"[^\t\x20-\x7e]")  # in a value: visible ASCII, spaces and tabs
_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _header_lines(headers: dict[str, str]) -> str:
    """Headers as they go on the wire; a name or value that would break the request out
    of its lines (a CR or LF, say) is refused."""
    for name, value in headers.items():
        if not _NAME.fullmatch(name) or _UNSAFE_VALUE.search(value):
            raise PostFailed(f"header {name!r} has characters HTTP does not allow")
    return "".join(f"{name}: {value}\r\n" for name, value in headers.items())


def url_problem(url: str) -> str | None:
    """None when a POST can go to this URL; otherwise why not (for `config check`)."""
    try:
        _route(url)
    except PostFailed as exc:
        return str(exc)
    return None


def post(
    url: str, body: bytes, headers: dict[str, str], *, timeout: float, public_only: bool = False
) -> int:
    """POST `body` to `url`; the answer's status. Raises PostFailed with no answer (or,
    `public_only`, when the connection reached a private address)."""
    origin, head = _route(url)
    request = (head + _header_lines(headers) + f"Content-Length: {len(body)}\r\n\r\n").encode(
        "latin-1"
    ) + body
    kept: dict[tuple[Origin, bool], _Link] = _kept.__dict__.setdefault("by_origin", {})
    key = (origin, public_only)
    for attempt in (1, 2):
        link = kept.pop(key, None)
        reused = link is not None
        try:
            if link is None:
                link = _Link(_connect(origin, timeout, public_only=public_only))
            answer = link.exchange(request, timeout=timeout)
        except _FAILED as exc:
            if link is not None:
                link.close()
            if reused and attempt == 1 and isinstance(exc, _CLOSED_WHILE_KEPT):
                continue
            raise PostFailed(f"{type(exc).__name__}: {exc}") from None
        if answer.keep_alive:
            kept[key] = link
        else:
            link.close()
        return answer.status
    raise AssertionError("unreachable")  # pragma: no cover


class _ClosedUnanswered(ConnectionError):
    """The receiver closed the connection before answering."""


class _Incomplete(ConnectionError):
    """The receiver closed the connection in the middle of its answer."""


# The receiver closed an idle kept connection: the request never reached it whole.
_CLOSED_WHILE_KEPT = (_ClosedUnanswered, BrokenPipeError, ConnectionResetError)
_PARSE_ERRORS = (httptools.HttpParserError, httptools.HttpParserUpgrade)
_FAILED = (OSError, http.client.HTTPException, *_PARSE_ERRORS)


class _Answer:
    """One answer as httptools reads it (it calls these methods back as it goes). An
    interim answer (1xx) is passed over; the final one sets `complete`."""

    __slots__ = ("complete", "framed", "keep_alive", "parser", "status")

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.status = 0
        self.keep_alive = False
        self.framed = False  # a length or chunks say where the body ends, not the close
        self.complete = False

    def on_message_begin(self) -> None:
        self.framed = False

    def on_header(self, name: bytes, _value: bytes) -> None:
        if name.lower() in (b"content-length", b"transfer-encoding"):
            self.framed = True

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()

    def on_message_complete(self) -> None:
        self.complete = self.status >= 200

    def closed(self) -> None:
        """The receiver closed the connection: the end of a body framed by the close."""
        if self.status == 0:
            raise _ClosedUnanswered("the receiver closed the connection unanswered")
        if self.framed or self.status < 200:
            raise _Incomplete("the receiver closed the connection mid-answer")
        self.complete, self.keep_alive = True, False


class _Link:
    """A connected socket, kept between requests."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def exchange(self, request: bytes, *, timeout: float) -> _Answer:
        """Send the request and read the whole answer (its body is dropped)."""
        self.sock.settimeout(timeout)
        self.sock.sendall(request)
        answer = _Answer()
        while not answer.complete:
            data = self.sock.recv(65536)
            if not data:
                answer.closed()
                break
            try:
                answer.parser.feed_data(data)
            except _PARSE_ERRORS:
                if not answer.complete:
                    raise
                answer.keep_alive = False  # more than one answer came: start afresh
        return answer

    def close(self) -> None:
        self.sock.close()


class PrivateAddress(PostFailed):
    """A public-only send whose connection reached a private address."""


def _connect(origin: Origin, timeout: float, *, public_only: bool = False) -> socket.socket:
    """A connected socket to the origin: TLS and the proxy's tunnel as http.client does
    them; with `public_only`, refused unless it reached a public address."""
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
        if public_only and origin.proxy is None:
            _reach_public(connection)
        else:
            connection.connect()
    except BaseException:
        connection.close()
        raise
    sock: socket.socket = connection.sock
    return sock


def _reach_public(connection: http.client.HTTPConnection) -> None:
    """Connect the plain socket first and look at the address it reached, before TLS or
    any byte of the request."""
    sock = socket.create_connection((connection.host, connection.port), connection.timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as http.client does
    address = str(sock.getpeername()[0]).split("%")[0]
    if not public(address):
        sock.close()
        raise PrivateAddress(f"the host resolved to a private address ({address})")
    connection.sock = sock
    if isinstance(connection, http.client.HTTPSConnection):
        connection.sock = tls_context().wrap_socket(sock, server_hostname=connection.host)


def _proxy_credentials(proxy: str) -> dict[str, str]:
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if parts.username is None:
        return {}
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
    return {"Proxy-Authorization": "Basic " + b64encode(pair).decode()}
