"""Crafted input is refused with a 4xx naming the problem, never a 500: bytes outside
ASCII in a signature, a CSRF field or Last-Event-ID, JSON nested deeper than can be
stored; and arbitrary bytes in every header and field the server reads, on every route."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.web.conftest import csrf_of

from warroom.api import fastlane
from warroom.clock import FrozenClock
from warroom.domain import signatures

SECRET = "s" * 20


@dataclass
class World:
    """What the requests can name: an incident, signed and unsigned integrations, and a
    browser signed in as an admin (its cookie and CSRF token)."""

    client: TestClient
    admin: str
    viewer: str
    signed_key: str
    plain_key: str
    cookie: str
    csrf: str


@pytest.fixture
def world(
    client: TestClient, as_: Any, tokens_by_persona: dict[str, str], personas: None
) -> Iterator[World]:
    admin = as_("alice")
    assert client.post(
        "/api/v1/incidents", headers=admin, json={"title": "Queue stuck", "severity": "P1"}
    ).status_code == 201
    made = client.post(
        "/api/v1/integrations",
        headers=admin,
        json={"name": "signed", "kind": "generic", "hmac_secret": SECRET},
    )
    plain = client.post(
        "/api/v1/integrations", headers=admin, json={"name": "plain", "kind": "generic"}
    )
    token = csrf_of(client.get("/login").text)
    signed_in = client.post(
        "/login",
        data={"csrf": token, "username": "alice", "password": "alice-password"},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    cookie = client.cookies.get("warroom_session")
    assert cookie
    csrf = csrf_of(client.get("/incidents/INC-1").text)
    client.cookies.clear()
    yield World(
        client,
        tokens_by_persona["alice"],
        tokens_by_persona["charlie"],
        made.json()["key"],
        plain.json()["key"],
        cookie,
        csrf,
    )


def _problem(answer: Any, status: int, word: str) -> None:
    assert answer.status_code == status, answer.text
    assert word.lower() in answer.text.lower()


@pytest.mark.parametrize(
    "header",
    [b"t=\xb2,v1=ab", b"t=\xb2\xb2\xb2,v1=00", b"t={now},v1=\xe9", b"t={now},v1=\xc3\xa9\xff"],
)
def test_a_signature_outside_ascii_is_refused(
    world: World, clock: FrozenClock, header: bytes
) -> None:
    header = header.replace(b"{now}", str(int(clock.now().timestamp())).encode())
    answer = world.client.post(
        f"/api/v1/ingest/{world.signed_key}/generic",
        content=b'{"summary": "x", "dedup_key": "k"}',
        headers={signatures.HEADER: header},
    )
    _problem(answer, 401, signatures.HEADER)


def test_a_csrf_field_outside_ascii_is_refused(world: World) -> None:
    world.client.cookies.set("warroom_session", world.cookie)
    for csrf in ("é", "\u00b2" * 30, world.csrf + "\u2603"):
        answer = world.client.post(
            "/incidents/INC-1/acknowledge", data={"csrf": csrf, "seen_status": "triggered"}
        )
        _problem(answer, 403, "expired")
    answer = world.client.post("/login", data={"csrf": "é", "username": "a", "password": "b"})
    _problem(answer, 403, "expired")


def test_a_last_event_id_outside_ascii_is_refused(world: World) -> None:
    world.client.cookies.set("warroom_session", world.cookie)
    for value in (b"\xb2", "²".encode(), b"1\xb9"):
        answer = world.client.get("/incidents/INC-1/live", headers={"Last-Event-ID": value})
        _problem(answer, 422, "Last-Event-ID")


def _nested(depth: int) -> Any:
    value: Any = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def test_json_nested_deeper_than_can_be_stored_is_refused(world: World) -> None:
    alert = {"summary": "x", "dedup_key": "deep", "details": _nested(300)}
    answer = world.client.post(
        f"/api/v1/ingest/{world.plain_key}/generic", content=json.dumps(alert)
    )
    _problem(answer, 422, "levels deep")
    event = {
        "routing_key": world.plain_key,
        "event_action": "trigger",
        "payload": {"summary": "s", "source": "x", "severity": "critical"},
        "custom_details": _nested(300),
    }
    answer = world.client.post("/v2/enqueue", content=json.dumps(event))
    _problem(answer, 400, "levels deep")
    shallow = {"summary": "x", "dedup_key": "fine", "details": _nested(60)}
    answer = world.client.post(
        f"/api/v1/ingest/{world.plain_key}/generic", content=json.dumps(shallow)
    )
    assert answer.status_code == 202, answer.text


# --- arbitrary bytes everywhere ----------------------------------------------------------

READ_HEADERS = [
    "authorization",
    "cookie",
    "content-type",
    signatures.HEADER.lower(),
    "last-event-id",
    "accept",
    "referer",
    "x-requested-with",
    "idempotency-key",
]
FORM_FIELDS = [
    "csrf", "username", "password", "token", "next", "message", "status", "severity",
    "reason", "role", "person", "title", "service", "seen_status", "seen_version", "public",
    "name", "kind", "summary", "impact", "commander", "at",
]  # fmt: skip
# header values as a server can receive them: any byte but CR, LF and NUL
header_bytes = st.binary(max_size=40).map(
    lambda b: b.replace(b"\r", b"").replace(b"\n", b"").replace(b"\x00", b"").strip()
)
texts = st.text(max_size=40) | st.sampled_from(
    ["INC-1", "1", "alice", "generic", "P1", "", "é", "²", "\u2603", "1²"]
)


def _routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) the app serves: its routers' routes and the hot paths' lanes."""
    found = {("POST", fastlane.INGEST_ROUTE), ("POST", fastlane.ENQUEUE)}
    pending = list(client.app.routes)  # type: ignore[attr-defined]
    while pending:
        route = pending.pop()
        included = getattr(route, "original_router", None)
        if included is not None:
            pending += included.routes
        elif isinstance(getattr(route, "path", None), str):
            for method in getattr(route, "methods", None) or ():
                if method != "HEAD":
                    found.add((method, route.path))
    return sorted(found)


@st.composite
def requests(draw: Callable[..., Any], route: tuple[str, str], world: World) -> Any:
    method, template = route
    path = template
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        name = path[start + 1 : end].split(":")[0]
        known = {"key": world.plain_key, "kind": "generic", "ref": "INC-1", "id": "INC-1"}
        value = draw(st.sampled_from([known.get(name, "alice")]) | texts)
        path = path[:start] + quote(value, safe="") + path[end + 1 :]
    headers: dict[str, bytes] = {}
    who = draw(st.sampled_from(["browser", "admin", "viewer", "nobody", "garbage"]))
    if who in ("admin", "viewer"):
        headers["authorization"] = f"Bearer {getattr(world, who)}".encode()
    elif who == "browser":
        headers["cookie"] = f"warroom_session={world.cookie}".encode()
    for name in draw(st.lists(st.sampled_from(READ_HEADERS), max_size=4, unique=True)):
        headers[name] = draw(header_bytes)
    if path.endswith("/live"):  # a stream that opens runs for a minute: refuse it early
        headers["last-event-id"] = b"x" + headers.get("last-event-id", b"")
    shape = draw(st.sampled_from(["form", "json", "bytes", "none"]))
    body: dict[str, Any] = {}
    if shape == "bytes":
        body["content"] = draw(st.binary(max_size=200))
    elif shape == "form":
        fields = draw(st.dictionaries(st.sampled_from(FORM_FIELDS), texts, max_size=5))
        fields["csrf"] = draw(st.sampled_from([world.csrf]) | texts)
        body["data"] = fields
    elif shape == "json":
        body["json"] = draw(st.dictionaries(st.sampled_from(FORM_FIELDS), texts, max_size=5))
    query = draw(st.dictionaries(st.sampled_from(["status", "after", "v", "at", "q", "next",
                                                  "limit", "cursor", "from", "to"]), texts,
                                 max_size=2))  # fmt: skip
    return method, path, headers, body, query


def test_no_route_answers_arbitrary_bytes_with_a_5xx(world: World) -> None:
    routes = _routes(world.client)
    assert ("POST", "/api/v1/ingest/{key}/{kind}") in routes and ("GET", "/ack/{token}") in routes
    for route in routes:  # each route its own examples: ~1,000 requests in all

        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(requests(route, world))
        def probe(request: Any) -> None:
            method, path, headers, body, query = request
            world.client.cookies.clear()
            answer = world.client.request(
                method, path, headers=headers, params=query, follow_redirects=False, **body
            )
            assert answer.status_code < 500, (method, path, headers, body, answer.text[:300])

        probe()
