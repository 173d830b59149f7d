"""Who may do what, and what a caller sees when a request is wrong: never a traceback,
always problem+json naming the mistake, and nothing changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.support import assert_problem, post_incident

from warroom.app import create_app
from warroom.config import Settings
from warroom.domain.access import AccessRole
from warroom.services.access import tokens

BASE = "/api/v1/incidents"


def count(client: Any, headers: dict[str, str]) -> int:
    response = client.get(BASE, params={"limit": 200}, headers=headers)
    assert response.status_code == 200
    return len(response.json()["items"])


def snapshot(client: Any, headers: dict[str, str], ref: Any) -> dict[str, Any]:
    response = client.get(f"{BASE}/{ref}", headers=headers)
    assert response.status_code == 200
    return response.json()


def make_token(app: Any, name: str, role: AccessRole, **kwargs: Any) -> str:
    state = app.state.warroom
    with state.db.write.begin() as session:
        _, plain = tokens.create(
            session, ctx=state.ctx, actor="admin", name=name, role=role, **kwargs
        )
    return plain


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# Every action a responder may take, with a body that would succeed on a fresh incident.
ACTIONS = [
    ("acknowledge", {}),
    ("status", {"status": "investigating"}),
    ("updates", {"message": "Looking"}),
    ("severity", {"severity": "P0", "reason": "worse"}),
    ("roles", {"role": "scribe", "person": "sam"}),
    ("resolve", {"message": "done"}),
    ("close", {}),
]


# --- authentication ----------------------------------------------------------------------


def test_no_token_is_401_asking_for_a_bearer_token(client):
    response = client.get(BASE)
    body = assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert "Bearer" in body["detail"]


def test_no_token_cannot_declare(client, as_):
    response = client.post(BASE, json={"title": "x", "severity": "P1"})
    assert_problem(response, 401)
    assert count(client, as_("alice")) == 0


@pytest.mark.parametrize(
    "header",
    ["Bearer wr_not-a-real-token", "Bearer ", "Basic YWxpY2U6c2VjcmV0", "wr_just-the-token"],
)
def test_a_wrong_or_malformed_token_is_401(client, header):
    response = client.get(BASE, headers={"Authorization": header})
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_expired_token_is_refused_with_a_message_about_expiry(client, app, clock):
    plain = make_token(app, "shortlived", AccessRole.RESPONDER, expires_in=timedelta(minutes=5))
    assert client.get(BASE, headers=bearer(plain)).status_code == 200
    clock.advance(timedelta(minutes=4))
    assert client.get(BASE, headers=bearer(plain)).status_code == 200
    clock.advance(timedelta(minutes=1))
    body = assert_problem(client.get(BASE, headers=bearer(plain)), 401)
    assert "expired" in body["detail"]
    assert "shortlived" in body["detail"]


def test_a_revoked_token_stops_working_at_once(client, app, as_):
    plain = make_token(app, "ci-bot", AccessRole.RESPONDER)
    assert client.get(BASE, headers=bearer(plain)).status_code == 200
    revoked = client.delete("/api/v1/tokens/ci-bot", headers=as_("alice"))
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert_problem(client.get(BASE, headers=bearer(plain)), 401)
    response = client.post(BASE, json={"title": "x", "severity": "P1"}, headers=bearer(plain))
    assert_problem(response, 401)
    assert count(client, as_("alice")) == 0


# --- authorisation -----------------------------------------------------------------------


def test_a_viewer_can_read_everything_about_an_incident(client, as_):
    incident = post_incident(client, as_("bob"))
    viewer = as_("charlie")
    assert client.get(BASE, headers=viewer).status_code == 200
    assert client.get(f"{BASE}/{incident['ref']}", headers=viewer).json()["id"] == incident["id"]
    assert client.get(f"{BASE}/{incident['id']}/timeline", headers=viewer).status_code == 200


def test_viewer_cannot_declare(client, as_):
    response = client.post(BASE, json={"title": "x", "severity": "P1"}, headers=as_("charlie"))
    body = assert_problem(response, 403, "forbidden")
    assert "charlie" in body["detail"] and "viewer" in body["detail"]
    assert count(client, as_("alice")) == 0


@pytest.mark.parametrize(("action", "body"), [*ACTIONS, ("reopen", {})])
def test_viewer_cannot_act_on_an_incident_and_nothing_changes(client, as_, action, body):
    incident = post_incident(client, as_("bob"))
    before = snapshot(client, as_("bob"), incident["id"])
    response = client.post(f"{BASE}/{incident['id']}/{action}", json=body, headers=as_("charlie"))
    assert_problem(response, 403, "forbidden")
    assert snapshot(client, as_("bob"), incident["id"]) == before


@pytest.mark.parametrize(("action", "body"), ACTIONS)
def test_responder_and_admin_can_act_on_incidents(client, as_, action, body):
    for persona in ("bob", "alice"):  # P2: it closes without a post-mortem
        incident = post_incident(client, as_("bob"), severity="P2")
        response = client.post(f"{BASE}/{incident['id']}/{action}", json=body, headers=as_(persona))
        assert response.status_code in (200, 201), response.text
        assert snapshot(client, as_("bob"), incident["id"])["timeline"][-1]["actor"] == persona


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/tokens", None),
        ("POST", "/api/v1/tokens", {"name": "sneaky", "role": "admin"}),
        ("DELETE", "/api/v1/tokens/alice", None),
        ("GET", "/api/v1/config", None),
    ],
)
@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_only_admins_manage_tokens_and_config(client, as_, method, path, body, persona):
    response = client.request(method, path, json=body, headers=as_(persona))
    assert_problem(response, 403, "forbidden")
    names = [t["name"] for t in client.get("/api/v1/tokens", headers=as_("alice")).json()["items"]]
    assert "sneaky" not in names
    # alice's token still works: nothing was revoked
    assert client.get("/api/v1/tokens", headers=as_("alice")).status_code == 200


def test_admin_creates_a_token_whose_plain_text_is_shown_once(client, as_):
    created = client.post(
        "/api/v1/tokens", json={"name": "dashboard", "role": "viewer"}, headers=as_("alice")
    )
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "dashboard" and body["role"] == "viewer"
    plain = body["token"]
    assert len(plain) > 20

    listing = client.get("/api/v1/tokens", headers=as_("alice"))
    assert listing.status_code == 200
    assert plain not in listing.text
    rows = {t["name"]: t for t in listing.json()["items"]}
    assert set(rows) == {"alice", "bob", "charlie", "dashboard"}
    assert all("token" not in row and "token_hash" not in row for row in rows.values())
    assert rows["dashboard"]["role"] == "viewer"

    # the new token works, with exactly the role it was given
    assert client.get(BASE, headers=bearer(plain)).status_code == 200
    denied = client.post(BASE, json={"title": "x", "severity": "P1"}, headers=bearer(plain))
    assert_problem(denied, 403)


def test_a_token_created_with_an_expiry_expires(client, as_, clock):
    created = client.post(
        "/api/v1/tokens",
        json={"name": "temp", "role": "responder", "expires_in": "1h"},
        headers=as_("alice"),
    ).json()
    assert client.get(BASE, headers=bearer(created["token"])).status_code == 200
    clock.advance(timedelta(hours=1, seconds=1))
    assert_problem(client.get(BASE, headers=bearer(created["token"])), 401)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": "alice", "role": "viewer"}, 409, "name"),
        ({"name": "x", "role": "superuser"}, 422, "role"),
        ({"name": "x", "role": "viewer", "expires_in": "soon"}, 422, "expires_in"),
        ({"name": "", "role": "viewer"}, 422, "name"),
    ],
)
def test_a_bad_token_request_is_refused_naming_the_field(client, as_, body, status, field):
    before = client.get("/api/v1/tokens", headers=as_("alice")).json()
    problem = assert_problem(client.post("/api/v1/tokens", json=body, headers=as_("alice")), status)
    assert field in problem["detail"]
    assert client.get("/api/v1/tokens", headers=as_("alice")).json() == before


def test_revoking_an_unknown_token_is_404(client, as_):
    assert_problem(client.delete("/api/v1/tokens/nobody", headers=as_("alice")), 404)


def test_admin_reads_the_effective_config(client, as_):
    response = client.get("/api/v1/config", headers=as_("alice"))
    assert response.status_code == 200
    levels = response.json()["severities"]
    assert [s["id"] for s in levels] == ["P0", "P1", "P2", "P3"]
    assert levels[1]["ack_within"] == "15m"


# --- bad input ---------------------------------------------------------------------------


def _post_raw(client: Any, headers: dict[str, str], path: str, raw: bytes) -> Any:
    return client.post(path, content=raw, headers={**headers, "Content-Type": "application/json"})


@pytest.mark.parametrize("raw", [b"{", b'{"title": "x", "severity": "P1",}', b"{'a': 1}"])
def test_malformed_json_is_400_bad_json_and_creates_nothing(client, as_, raw):
    body = assert_problem(_post_raw(client, as_("bob"), BASE, raw), 400, "bad_json")
    assert "JSON" in body["detail"]
    assert count(client, as_("bob")) == 0


def test_a_body_that_is_not_utf8_is_400_and_creates_nothing(client, as_):
    raw = '{"title": "café", "severity": "P1"}'.encode("latin-1")
    assert_problem(_post_raw(client, as_("bob"), BASE, raw), 400)
    assert count(client, as_("bob")) == 0


def test_malformed_json_on_an_action_changes_nothing(client, as_):
    incident = post_incident(client, as_("bob"))
    before = snapshot(client, as_("bob"), incident["id"])
    response = _post_raw(client, as_("bob"), f"{BASE}/{incident['id']}/updates", b'{"message"')
    assert_problem(response, 400, "bad_json")
    assert snapshot(client, as_("bob"), incident["id"]) == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"title", "severity"}),
        ({"title": "x"}, {"severity"}),
        ({"severity": "P1"}, {"title"}),
        ({"title": "x", "severity": "P1", "sevrity": "P2"}, {"sevrity"}),
        ({"title": 42, "severity": "P1"}, {"title"}),
        ({"title": "x", "severity": ["P1"]}, {"severity"}),
        ({"title": "x", "severity": "P1", "at": "yesterday"}, {"at"}),
        ({"title": "x" * 201, "severity": "P1"}, {"title"}),
    ],
)
def test_missing_unknown_or_mistyped_fields_are_422_naming_each(client, as_, body, fields):
    response = client.post(BASE, json=body, headers=as_("bob"))
    problem = assert_problem(response, 422, "invalid")
    assert {e["field"] for e in problem["errors"]} == fields
    for field in fields:
        assert field in problem["detail"]
    assert count(client, as_("bob")) == 0


@pytest.mark.parametrize("title", ["", "   ", "\n\t"])
def test_an_empty_title_is_422_naming_title(client, as_, title):
    response = client.post(BASE, json={"title": title, "severity": "P1"}, headers=as_("bob"))
    body = assert_problem(response, 422)
    assert body["field"] == "title"
    assert "title" in body["detail"]
    assert count(client, as_("bob")) == 0


def test_an_unknown_severity_is_422_listing_the_known_levels(client, as_):
    response = client.post(BASE, json={"title": "x", "severity": "P7"}, headers=as_("bob"))
    body = assert_problem(response, 422)
    assert body["field"] == "severity"
    assert "'P7'" in body["detail"]
    assert "P0, P1, P2, P3" in body["detail"]
    assert count(client, as_("bob")) == 0


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("status", {}, "status"),
        ("status", {"status": "investigating", "colour": "red"}, "colour"),
        ("updates", {"message": "x", "public": "maybe"}, "public"),
        ("updates", {"text": "x"}, "message"),
        ("severity", {"severity": 1}, "severity"),
        ("roles", {"role": "scribe"}, "person"),
        ("roles", {"role": "scribe", "person": "  "}, "person"),
        ("resolve", {"message": ["done"]}, "message"),
        ("acknowledge", {"by": "bob"}, "by"),
    ],
)
def test_bad_action_bodies_are_422_naming_the_field_and_change_nothing(
    client, as_, action, body, field
):
    incident = post_incident(client, as_("bob"))
    before = snapshot(client, as_("bob"), incident["id"])
    response = client.post(f"{BASE}/{incident['id']}/{action}", json=body, headers=as_("bob"))
    problem = assert_problem(response, 422)
    assert field in problem["detail"]
    assert snapshot(client, as_("bob"), incident["id"]) == before


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("GET", "/timeline", None),
        *[("POST", f"/{action}", body) for action, body in [*ACTIONS, ("reopen", {})]],
    ],
)
def test_an_unknown_incident_is_404_naming_it(client, as_, method, suffix, body):
    post_incident(client, as_("bob"))
    response = client.request(method, f"{BASE}/INC-999{suffix}", json=body, headers=as_("bob"))
    problem = assert_problem(response, 404, "not_found")
    assert "INC-999" in problem["detail"]


@pytest.mark.parametrize("ref", ["abc", "INC-", "INC-1x", "-1"])
def test_a_ref_that_is_not_a_ref_is_422_naming_ref(client, as_, ref):
    problem = assert_problem(client.get(f"{BASE}/{ref}", headers=as_("charlie")), 422)
    assert problem["field"] == "ref"
    assert "INC-42" in problem["detail"]


def test_an_unknown_path_is_a_problem_too(client, as_):
    assert_problem(client.get("/api/v1/nothing-here", headers=as_("bob")), 404)


def test_a_wrong_method_is_405_problem(client, as_):
    assert_problem(client.delete(BASE, headers=as_("alice")), 405)


def test_a_body_over_the_default_limit_is_413_and_creates_nothing(client, as_):
    assert Settings().max_body_bytes == 1024 * 1024
    huge = {"title": "x", "severity": "P1", "summary": "a" * (1024 * 1024)}
    body = assert_problem(client.post(BASE, json=huge, headers=as_("bob")), 413, "too_large")
    assert str(1024 * 1024) in body["detail"]
    assert count(client, as_("bob")) == 0


def test_a_body_under_the_limit_is_accepted(client, as_):
    summary = "a" * 9_000
    incident = post_incident(client, as_("bob"), summary=summary)
    assert incident["summary"] == summary


@pytest.fixture
def small_client(db_url, clock, config, app):  # type: ignore[no-untyped-def]
    """A second app on the same database whose body limit is 2 KiB (tokens from `app`)."""
    small = create_app(
        Settings(database_url=db_url, max_body_bytes=2048),
        clock=clock,
        config=config,
        run_worker=False,
        migrate=False,
    )
    with TestClient(small, raise_server_exceptions=False) as test_client:
        yield test_client


def test_the_body_limit_follows_the_setting(small_client, as_):
    under = {"title": "x", "severity": "P1", "summary": "a" * 1500}
    over = {"title": "x", "severity": "P1", "summary": "a" * 2100}
    assert small_client.post(BASE, json=under, headers=as_("bob")).status_code == 201
    assert_problem(small_client.post(BASE, json=over, headers=as_("bob")), 413, "too_large")
    assert count(small_client, as_("bob")) == 1


def test_a_streamed_body_without_length_is_cut_off_at_the_limit(small_client, as_):
    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"title": "x", "severity": "P1", "summary": "'
        for _ in range(10):
            yield b"a" * 1000
        yield b'"}'

    response = small_client.post(
        BASE, content=chunks(), headers={**as_("bob"), "Content-Type": "application/json"}
    )
    assert_problem(response, 413, "too_large")
    assert count(small_client, as_("bob")) == 0
