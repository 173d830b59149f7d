"""A lean HTTP/1.1 client for latency benchmarks on loopback.

A sequential benchmark's latency includes the client's own work for each request. httpx
builds and parses a request with ~1.5-2 ms of CPU on this VM, as much as a cheap API call
costs the server, so it would measure the client as much as the server. The standard
library's http.client on one keep-alive connection costs ~0.2 ms.
"""

from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


class Loopback:
    """One keep-alive connection to `base` (http://host:port), sending `headers` on
    every request."""

    def __init__(self, base: str, headers: dict[str, str], timeout: float = 10.0) -> None:
        where = urlsplit(base)
        self.base = base
        self.headers = headers
        self.connection = http.client.HTTPConnection(
            where.hostname or "127.0.0.1", where.port, timeout=timeout
        )

    def get(self, path: str, params: dict[str, Any] | None = None) -> Answer:
        return self.request("GET", f"{path}?{urlencode(params)}" if params else path)

    def post(self, path: str, json_body: Any) -> Answer:
        body = json.dumps(json_body).encode()
        return self.request("POST", path, body, {"Content-Type": "application/json"})

    def request(
        self, method: str, path: str, body: bytes | None = None, extra: dict[str, str] | None = None
    ) -> Answer:
        self.connection.request(method, path, body, {**self.headers, **(extra or {})})
        response = self.connection.getresponse()
        return Answer(response.status, response.read(), self.base + path)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Loopback:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
