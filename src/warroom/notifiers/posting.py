"""POSTing a body over HTTP(S), keeping connections alive, on the standard library.

A page storm is thousands of requests from one worker, so the cost of a request counts:
http.client with a kept-alive connection costs about half the CPU of urllib3's pool
(0.28 against 0.46 ms a request here), which spends the rest on pool bookkeeping, timeout
objects and a poll for a dropped connection before each reuse. Connections are kept per
thread (a connection is used by one thread at a time) and per origin and proxy. A kept
connection the receiver has closed meanwhile fails at once; the request then goes again,
once, on a new connection (the receiver may see it twice: the Idempotency-Key says so).

The proxy the environment names (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`) is honoured:
plain HTTP goes to the proxy with the whole URL, HTTPS through a CONNECT tunnel, with the
proxy's credentials if its URL has them.
"""

from __future__ import annotations

import http.client
import ssl
import threading
from base64 import b64encode
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit
from urllib.request import getproxies, proxy_bypass

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
    if origin.proxy and origin.scheme == "http":
        target = url.split("#", 1)[0]  # a plain-HTTP proxy is given the whole URL
        headers = {**headers, **_proxy_credentials(origin.proxy)}
    kept: dict[Origin, http.client.HTTPConnection] = _kept.__dict__.setdefault("by_origin", {})
    for attempt in (1, 2):
        reused = origin in kept
        connection = kept.pop(origin, None) or _connect(origin, timeout)
        try:
            connection.timeout = timeout
            if connection.sock is not None:
                connection.sock.settimeout(timeout)
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            if reused and attempt == 1 and _closed_while_kept(exc):
                continue
            raise PostFailed(f"{type(exc).__name__}: {exc}") from None
        if response.will_close:
            connection.close()
        else:
            kept[origin] = connection
        return response.status
    raise AssertionError("unreachable")  # pragma: no cover


def _closed_while_kept(exc: Exception) -> bool:
    """The receiver closed an idle kept connection: the request never reached it whole."""
    return isinstance(exc, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError))


def _connect(origin: Origin, timeout: float) -> http.client.HTTPConnection:
    if origin.proxy is None:
        if origin.scheme == "https":
            return http.client.HTTPSConnection(
                origin.host, origin.port, timeout=timeout, context=tls_context()
            )
        return http.client.HTTPConnection(origin.host, origin.port, timeout=timeout)
    proxy = urlsplit(origin.proxy if "://" in origin.proxy else f"http://{origin.proxy}")
    host, port = proxy.hostname or "", proxy.port or (443 if proxy.scheme == "https" else 80)
    kind = http.client.HTTPSConnection if proxy.scheme == "https" else http.client.HTTPConnection
    if origin.scheme == "http":
        return kind(host, port, timeout=timeout)
    tunnel = http.client.HTTPSConnection(host, port, timeout=timeout, context=tls_context())
    tunnel.set_tunnel(origin.host, origin.port, headers=_proxy_credentials(origin.proxy))
    return tunnel


def _proxy_credentials(proxy: str) -> dict[str, str]:
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if parts.username is None:
        return {}
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
    return {"Proxy-Authorization": "Basic " + b64encode(pair).decode()}
