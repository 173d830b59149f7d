"""Running one health check: HTTP, TCP, PostgreSQL, Redis or a command. No database of
warroom's is touched here, and nothing raises: every fault is a failed result."""

from __future__ import annotations

import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg

from warroom.domain.checks import Check, CheckKind, show_duration
from warroom.services import commands

OUTPUT_CAP = 500  # characters of a command check's output kept in its message
_client_lock = threading.Lock()
_clients: dict[Path | None, httpx.Client] = {}


@dataclass(frozen=True, slots=True)
class Result:
    ok: bool
    latency_ms: int
    message: str


def run(check: Check, *, now: datetime) -> Result:
    """Run the check once, bounded by its timeout (`now` dates a TLS expiry)."""
    started = time.perf_counter()
    try:
        message = _PROBES[check.kind](check, now)
        ok = True
    except _Failed as exc:
        message, ok = str(exc), False
    except Exception as exc:  # whatever the network or a driver raises: a failed result
        message, ok = _reason(exc), False
    latency = round((time.perf_counter() - started) * 1000)
    return Result(ok, latency, message[:1000])


class _Failed(Exception):
    """The target answered, but not as the check expects."""


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if type(exc).__name__ not in text else text


def _client(ca_file: Path | None) -> httpx.Client:
    """One client for every probing thread (it is thread-safe), per CA file: its TLS
    setup, which costs milliseconds of CPU, is made once, and connections are kept alive."""
    client = _clients.get(ca_file)
    if client is None:
        with _client_lock:
            client = _clients.get(ca_file)
            if client is None:
                limits = httpx.Limits(max_connections=256, max_keepalive_connections=128)
                client = httpx.Client(
                    follow_redirects=False,
                    trust_env=False,
                    limits=limits,
                    verify=_tls_context(ca_file),
                )
                _clients[ca_file] = client
    return client


def _tls_context(ca_file: Path | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


def _http(check: Check, now: datetime) -> str:
    assert check.url is not None
    seconds = check.timeout.total_seconds()
    started = time.perf_counter()
    response = _client(check.ca_file).request(
        check.method, check.url, headers=check.headers, timeout=seconds
    )
    elapsed = time.perf_counter() - started
    if response.status_code != check.expect_status:
        raise _Failed(f"status {response.status_code}, expected {check.expect_status}")
    body = response.text
    if check.body_contains is not None and check.body_contains not in body:
        raise _Failed(f"the body does not contain {check.body_contains!r}")
    if check.body_regex is not None and re.search(check.body_regex, body) is None:
        raise _Failed(f"the body does not match {check.body_regex!r}")
    if check.max_response_time is not None and elapsed > check.max_response_time.total_seconds():
        limit = show_duration(check.max_response_time)
        raise _Failed(f"answered in {elapsed * 1000:.0f}ms, over {limit}")
    if check.tls_expiry_days is not None and check.url.startswith("https://"):
        days = _days_left(check.url, seconds, now, check.ca_file)
        if days < check.tls_expiry_days:
            raise _Failed(f"the TLS certificate expires in {days} days")
    return f"status {response.status_code}"


def _days_left(url: str, timeout: float, now: datetime, ca_file: Path | None) -> int:
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    context = _tls_context(ca_file)
    with (
        socket.create_connection((host, port), timeout=timeout) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        cert = tls.getpeercert()
    not_after = str((cert or {}).get("notAfter", ""))
    expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), UTC)
    return (expires - now).days


def _tcp(check: Check, now: datetime) -> str:
    assert check.host is not None and check.port is not None
    with socket.create_connection((check.host, check.port), timeout=check.timeout.total_seconds()):
        return "connected"


def _postgres(check: Check, now: datetime) -> str:
    assert check.dsn is not None
    timeout = max(1, round(check.timeout.total_seconds()))
    dsn = re.sub(r"^postgresql\+psycopg://", "postgresql://", check.dsn)
    with psycopg.connect(dsn, connect_timeout=timeout, autocommit=True) as connection:
        millis = round(check.timeout.total_seconds() * 1000)
        connection.execute(f"SET statement_timeout = {millis}")
        row = connection.execute("SELECT 1").fetchone()
    if row is None or row[0] != 1:
        raise _Failed("SELECT 1 did not answer 1")
    return "SELECT 1 answered"


def _redis(check: Check, now: datetime) -> str:
    host, port, password = check.host, check.port, None
    if check.dsn:
        parts = urlsplit(check.dsn)
        host, port, password = parts.hostname, parts.port or 6379, parts.password
    assert host is not None and port is not None
    with socket.create_connection((host, port), timeout=check.timeout.total_seconds()) as conn:
        if password:
            conn.sendall(_command("AUTH", password))
            if not _line(conn).startswith(b"+OK"):
                raise _Failed("AUTH refused")
        conn.sendall(_command("PING"))
        answer = _line(conn)
    if not answer.startswith(b"+PONG"):
        raise _Failed(f"PING answered {answer[:80].decode(errors='replace')!r}")
    return "PONG"


def _command(*words: str) -> bytes:
    parts = [f"*{len(words)}\r\n".encode()]
    for word in words:
        data = word.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def _line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\r\n") and len(data) < 4096:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def _run_command(check: Check, now: datetime) -> str:
    outcome = commands.run(
        check.argv, timeout=check.timeout.total_seconds(), cap=OUTPUT_CAP, env=check.env
    )
    if not outcome.ok:
        detail = outcome.output.strip().splitlines()[-1:] if outcome.output.strip() else []
        raise _Failed("; ".join([outcome.describe(), *detail]))
    return "exit 0"


_PROBES = {
    CheckKind.HTTP: _http,
    CheckKind.TCP: _tcp,
    CheckKind.POSTGRES: _postgres,
    CheckKind.REDIS: _redis,
    CheckKind.COMMAND: _run_command,
}
