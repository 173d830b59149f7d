"""Random input against the incident API: never a 500, and every refusal is problem+json."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

BASE = "/api/v1/incidents"
FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FIELDS = [
    "title",
    "severity",
    "service",
    "summary",
    "impact",
    "commander",
    "at",
    "status",
    "message",
    "public",
    "reason",
    "role",
    "person",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=60)
    | st.sampled_from(
        [
            "P0",
            "P1",
            "p3",
            "P7",
            "investigating",
            "resolved",
            "commander",
            "2026-11-02T08:59:00Z",
            "2026-11-02T09:00:00",
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:59-12:00",
            "",
            " ",
            "\x00",
            "INC-1",
        ]
    )
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
bodies = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=6),
    st.dictionaries(st.text(max_size=10), values, max_size=4),
    values,
)
refs = st.one_of(
    st.text(max_size=25),
    st.from_regex(r"(INC-|inc-)?[0-9]{1,25}", fullmatch=True),
    st.sampled_from(["1", "INC-1", "0", "-1", "INC-00001", "99999999999999999999"]),
)
ACTIONS = ["acknowledge", "status", "updates", "severity", "roles", "resolve", "reopen", "close"]


def check(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert {"type", "title", "status", "detail", "code"} <= problem.keys()
        assert problem["status"] == response.status_code
        assert isinstance(problem["detail"], str) and problem["detail"]


@pytest.fixture
def seeded(client, as_):  # type: ignore[no-untyped-def]
    """One incident to aim at, and bob's headers."""
    response = client.post(BASE, json={"title": "Target", "severity": "P2"}, headers=as_("bob"))
    assert response.status_code == 201
    return as_("bob")


@FUZZ
@given(body=bodies)
@example(body={"title": "nul\x00byte", "severity": "P1"})
@example(body={"title": "x", "severity": "P1", "at": "0001-01-01T00:00:00+05:00"})
@example(body={"title": "x", "severity": "P1", "service": "a\x00b"})
@example(body={"title": "x", "severity": "P1", "commander": "\x00"})
def test_declare_with_random_json_never_fails_on_our_side(client, seeded, body):
    response = client.post(BASE, json=body, headers=seeded)
    check(response)
    if response.status_code == 201:
        created = response.json()
        assert created["title"] == body["title"].strip()
        assert created["ref"] == f"INC-{created['id']}"


@FUZZ
@given(raw=st.binary(max_size=80) | st.text(max_size=80).map(str.encode))
@example(raw=b'{"title": "\\ud800", "severity": "P1"}')
@example(raw=b'{"title": "x", "severity": "P1", "summary": "\\u0000"}')
@example(raw=b'{"title": "x", "severity": "P1", "public": 1e999}')
def test_declare_with_random_bytes_never_fails_on_our_side(client, seeded, raw):
    response = client.post(
        BASE, content=raw, headers={**seeded, "Content-Type": "application/json"}
    )
    check(response)


@FUZZ
@given(action=st.sampled_from(ACTIONS), body=bodies)
@example(action="updates", body={"message": "a\x00b"})
@example(action="roles", body={"role": "scribe", "person": "\x00"})
@example(action="status", body={"status": "investigating", "message": "\x00"})
@example(action="severity", body={"severity": "P0", "reason": "\x00"})
def test_actions_with_random_json_never_fail_on_our_side(client, seeded, action, body):
    check(client.post(f"{BASE}/1/{action}", json=body, headers=seeded))


@FUZZ
@given(ref=refs, action=st.sampled_from([*ACTIONS, "", "timeline"]), body=bodies)
@example(ref="999999999999999999", action="", body=None)
@example(ref="INC-2147483648", action="acknowledge", body=None)
@example(ref="\x00", action="", body=None)
def test_random_refs_never_fail_on_our_side(client, seeded, ref, action, body):
    path = f"{BASE}/{quote(ref, safe='')}" + (f"/{action}" if action else "")
    if action in ("", "timeline"):
        check(client.get(path, headers=seeded))
    else:
        check(client.post(path, json=body, headers=seeded))


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["status", "severity", "service", "limit", "cursor"]),
        st.text(max_size=30) | st.from_regex(r"[0-9]{1,30}", fullmatch=True),
        max_size=5,
    )
)
@example(params={"cursor": "99999999999999999999999"})
@example(params={"cursor": "\u00b2"})
@example(params={"cursor": "2147483648"})
@example(params={"service": "a\x00"})
@example(params={"severity": "\x00"})
def test_random_list_filters_never_fail_on_our_side(client, seeded, params):
    response = client.get(BASE, params=params, headers=seeded)
    check(response)
    if response.status_code == 200:
        assert set(response.json()) == {"items", "next_cursor"}


@FUZZ
@given(
    name=st.text(max_size=90),
    role=st.text(max_size=12) | st.sampled_from(["viewer", "responder", "admin"]),
)
@example(name="a\x00b", role="viewer")
def test_random_token_requests_never_fail_on_our_side(client, as_, name, role):
    check(client.post("/api/v1/tokens", json={"name": name, "role": role}, headers=as_("alice")))
    check(client.delete(f"/api/v1/tokens/{quote(name, safe='')}", headers=as_("alice")))
