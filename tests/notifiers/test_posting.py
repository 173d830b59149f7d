"""The webhook's HTTP client: kept-alive connections, a receiver that closes them, a
receiver that is down, and the proxy's tunnel, against real sockets on loopback."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from warroom.notifiers import Message, TransportError, posting, transport_for

SECRET = "posting-test-shared-secret"


@dataclass
class Server:
    """A bare HTTP/1.1 server: `close_after` requests on a connection, then it hangs up
    without saying so (as a receiver whose idle timeout ran out would)."""

    close_after: int | None = None
    answer: bytes = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    tls: ssl.SSLContext | None = None
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    port: int = 0


@contextmanager
def server(state: Server) -> Iterator[Server]:
    listener = socket.create_server(("127.0.0.1", 0))
    state.port = listener.getsockname()[1]

    def serve(conn: socket.socket) -> None:
        if state.tls is not None:
            try:
                conn = state.tls.wrap_socket(conn, server_side=True)
            except OSError:  # the client refused the certificate
                conn.close()
                return
        with conn:
            served = 0
            buffer = b""
            while state.close_after is None or served < state.close_after:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                state.requests.append(head)
                buffer = buffer[length:]
                conn.sendall(state.answer)
                served += 1

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            state.connections += 1
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield state
    finally:
        listener.close()


def post(port: int, body: bytes = b"{}") -> int:
    return posting.post(f"http://127.0.0.1:{port}/hook", body, {}, timeout=5)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    posting.forget_environment()
    yield
    posting.forget_environment()


def test_messages_to_one_receiver_share_one_connection() -> None:
    with server(Server()) as state:
        assert [post(state.port) for _ in range(3)] == [200, 200, 200]
    assert len(state.requests) == 3
    assert state.connections == 1


def test_a_connection_the_receiver_closed_while_idle_is_replaced_and_nothing_is_lost() -> None:
    with server(Server(close_after=1)) as state:
        assert [post(state.port, b'{"n":%d}' % n) for n in range(3)] == [200, 200, 200]
    assert len(state.requests) == 3
    assert state.connections == 3


def test_an_answer_that_says_close_is_not_kept() -> None:
    closing = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    with server(Server(close_after=1, answer=closing)) as state:
        assert [post(state.port), post(state.port)] == [200, 200]
    assert state.connections == 2


def test_a_chunked_answer_is_read_whole_and_the_connection_kept() -> None:
    chunked = b"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nokay\r\n0\r\n\r\n"
    with server(Server(answer=chunked)) as state:
        assert [post(state.port), post(state.port)] == [202, 202]
    assert state.connections == 1


def test_an_answer_ended_by_closing_the_connection_is_taken() -> None:
    unframed = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nreceived"
    with server(Server(close_after=1, answer=unframed)) as state:
        assert [post(state.port), post(state.port)] == [200, 200]
    assert state.connections == 2


def test_the_status_of_a_refusal_is_returned() -> None:
    refusal = b"HTTP/1.1 410 Gone\r\nContent-Length: 4\r\n\r\ngone"
    with server(Server(answer=refusal)) as state:
        assert post(state.port) == 410
        assert post(state.port) == 410  # the body was read: the connection is still good


def test_an_interim_answer_is_passed_over_for_the_final_one() -> None:
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"
    with server(Server(answer=interim)) as state:
        assert [post(state.port), post(state.port)] == [201, 201]
    assert state.connections == 1


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "mid-answer"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nok", "mid-answer"),
        (b"SMTP ready\r\n\r\n", "HttpParser"),
    ],
)
def test_a_broken_answer_is_a_failure_and_its_connection_is_not_kept(
    answer: bytes, reason: str
) -> None:
    with server(Server(close_after=1, answer=answer)) as state:
        for _ in range(2):
            with pytest.raises(posting.PostFailed, match=reason):
                post(state.port)
    assert state.connections == 2


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/hook", {"X-Note": "fine\r\nX-Injected: yes"}),
        ("/hook", {"Bad Name": "value"}),
        ("/hook HTTP/1.1\r\nX-Injected: yes\r\n\r\nPOST /", {}),
        ("/h\u00f6ok", {}),
        ("/hook", {"X-Note": "caf\u00e9"}),
    ],
)
def test_a_request_that_would_break_out_of_its_lines_is_not_sent(
    path: str, headers: dict[str, str]
) -> None:
    with server(Server()) as state, pytest.raises(posting.PostFailed, match="characters"):
        posting.post(f"http://127.0.0.1:{state.port}{path}", b"{}", headers, timeout=5)
    assert state.connections == 0


def test_a_receiver_that_is_down_is_a_transient_failure() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    message = Message(subject="Checkout down", body="Look", idempotency_key="k1", sent_at=1)
    with pytest.raises(TransportError) as failed:
        transport_for(f"webhook+http://127.0.0.1:{port}/hook?secret={SECRET}").send(message)
    assert not failed.value.permanent
    assert "Connection" in failed.value.message


def test_https_through_a_proxy_asks_for_a_tunnel_with_the_proxy_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refused = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"
    with server(Server(answer=refused)) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", f"http://ops:s%40fe@127.0.0.1:{proxy.port}")
        posting.forget_environment()
        with pytest.raises(posting.PostFailed, match="403"):
            posting.post("https://pager.example.invalid/hook", b"{}", {}, timeout=5)
    [tunnel] = proxy.requests
    assert tunnel.startswith(b"CONNECT pager.example.invalid:443 HTTP/1.")
    assert b"Proxy-Authorization: Basic b3BzOnNAZmU=" in tunnel  # ops:s@fe


def certificate(folder: Path) -> tuple[ssl.SSLContext, Path]:
    """A receiver's TLS context with a self-signed certificate for 127.0.0.1, and the
    certificate (for a client to trust)."""
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert, key)
    return served, cert


def test_https_to_a_receiver_whose_certificate_is_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served, cert = certificate(tmp_path)
    trusting = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(posting, "tls_context", lambda: trusting)
    with server(Server(tls=served)) as state:
        url = f"https://127.0.0.1:{state.port}/hook"
        assert [posting.post(url, b"{}", {}, timeout=5) for _ in range(2)] == [200, 200]
        assert state.connections == 1
        monkeypatch.setattr(posting, "tls_context", ssl.create_default_context)
        posting._kept.__dict__.clear()  # a new connection, checked against the system's CAs
        with pytest.raises(posting.PostFailed, match="CERTIFICATE_VERIFY_FAILED"):
            posting.post(url, b"{}", {}, timeout=5)


def test_a_public_only_send_that_reaches_a_private_address_sends_nothing() -> None:
    with server(Server()) as state:
        url = f"http://127.0.0.1:{state.port}/hook"
        with pytest.raises(posting.PrivateAddress, match=r"private address \(127\.0\.0\.1\)"):
            posting.post(url, b"{}", {}, timeout=5, public_only=True)
        assert state.requests == []
        assert post(state.port) == 200  # an admin's own contact there is still sent to
        with pytest.raises(posting.PrivateAddress):  # not on the connection kept for it
            posting.post(url, b"{}", {}, timeout=5, public_only=True)
    assert len(state.requests) == 1


def test_a_public_only_send_over_https_checks_the_address_then_the_certificate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loopback stands in for a public address here, to follow the TLS path."""
    served, cert = certificate(tmp_path)
    monkeypatch.setattr(posting, "public", lambda address: address == "127.0.0.1")
    trusting = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(posting, "tls_context", lambda: trusting)
    with server(Server(tls=served)) as state:
        url = f"https://127.0.0.1:{state.port}/hook"
        sent = [posting.post(url, b"{}", {}, timeout=5, public_only=True) for _ in range(2)]
        assert sent == [200, 200] and state.connections == 1
        monkeypatch.setattr(posting, "tls_context", ssl.create_default_context)
        posting._kept.__dict__.clear()
        with pytest.raises(posting.PostFailed, match="CERTIFICATE_VERIFY_FAILED"):
            posting.post(url, b"{}", {}, timeout=5, public_only=True)
