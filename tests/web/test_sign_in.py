"""Signing in and out: passwords, API tokens, cookies, CSRF, and the pages' guard."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from tests.web.conftest import PASSWORDS, csrf_of, sign_in

from warroom.domain.access import AccessRole
from warroom.services.access import tokens, users


def test_pages_send_a_stranger_to_sign_in_and_back(
    browse: Callable[[str | None], TestClient],
) -> None:
    client = browse(None)
    answer = client.get("/incidents?status=all", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/incidents%3Fstatus%3Dall"
    token = csrf_of(client.get(answer.headers["location"]).text)
    signed = client.post(
        "/login",
        data={"csrf": token, "username": "bob", "password": PASSWORDS["bob"], "next": "/incidents"},
        follow_redirects=False,
    )
    assert signed.headers["location"] == "/incidents"
    assert client.get("/incidents").status_code == 200


def test_the_session_cookie_is_httponly_samesite_and_signed(
    browse: Callable[[str | None], TestClient],
) -> None:
    client = browse(None)
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"csrf": token, "username": "alice", "password": PASSWORDS["alice"]},
        follow_redirects=False,
    )
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # the public URL is http here; https makes it Secure
    signed = client.cookies["warroom_session"]
    client.cookies.clear()
    client.cookies.set(
        "warroom_session", signed[:-6] + ("AAAAAA" if signed[-6:] != "AAAAAA" else "BBBBBB")
    )
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_wrong_password_keeps_the_name_and_says_why(
    browse: Callable[[str | None], TestClient],
) -> None:
    client = browse(None)
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login", data={"csrf": token, "username": "alice", "password": "not-her-password"}
    )
    assert answer.status_code == 401
    assert "That name and password do not match." in answer.text
    assert 'value="alice"' in answer.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_sign_in_without_the_form_token_is_refused(
    browse: Callable[[str | None], TestClient],
) -> None:
    client = browse(None)
    client.get("/login")
    answer = client.post(
        "/login", data={"csrf": "forged", "username": "alice", "password": PASSWORDS["alice"]}
    )
    assert answer.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303


def test_an_api_token_opens_a_session_until_it_is_revoked(
    app, browse: Callable[[str | None], TestClient]
) -> None:  # type: ignore[no-untyped-def]
    state = app.state.warroom
    with state.db.write.begin() as session:
        _, plain = tokens.create(
            session, ctx=state.ctx, actor="admin", name="ops-bot", role=AccessRole.VIEWER
        )
    client = browse(None)
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"csrf": token, "token": plain}, follow_redirects=False)
    assert answer.status_code == 303
    page = client.get("/")
    assert "ops-bot" in page.text
    with state.db.write.begin() as session:
        tokens.revoke(session, ctx=state.ctx, actor="admin", name="ops-bot")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_bad_api_token_is_refused_next_to_its_field(
    browse: Callable[[str | None], TestClient],
) -> None:
    client = browse(None)
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"csrf": token, "token": "wr_nonsense"})
    assert answer.status_code == 401
    assert 'id="token-error"' in answer.text


def test_a_bearer_token_reads_pages_without_a_cookie(
    app, browse: Callable[[str | None], TestClient]
) -> None:  # type: ignore[no-untyped-def]
    state = app.state.warroom
    with state.db.write.begin() as session:
        _, plain = tokens.create(
            session, ctx=state.ctx, actor="admin", name="curl", role=AccessRole.RESPONDER
        )
    client = browse(None)
    answer = client.get("/", headers={"Authorization": f"Bearer {plain}"})
    assert answer.status_code == 200 and "curl" in answer.text
    refused = client.get("/", headers={"Authorization": "Bearer wr_wrong"})
    assert refused.status_code == 401


def test_a_password_change_ends_the_sessions_opened_before(
    app, browse: Callable[[str | None], TestClient]
) -> None:  # type: ignore[no-untyped-def]
    client = browse("bob")
    assert client.get("/", follow_redirects=False).status_code == 200
    state = app.state.warroom
    with state.db.write.begin() as session:
        users.set_password(
            session, ctx=state.ctx, actor="admin", name="bob", password="a-brand-new-one"
        )
    assert client.get("/", follow_redirects=False).status_code == 303


def test_signing_out_ends_the_session(browse: Callable[[str | None], TestClient]) -> None:
    client = browse("alice")
    token = csrf_of(client.get("/").text)
    answer = client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert answer.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303


def test_next_never_leads_off_the_site(browse: Callable[[str | None], TestClient]) -> None:
    client = browse(None)
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login",
        data={
            "csrf": token,
            "username": "alice",
            "password": PASSWORDS["alice"],
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"


def test_a_signed_in_user_sees_their_own_name_on_the_dashboard(
    browse: Callable[[str | None], TestClient],
) -> None:
    client = browse(None)
    sign_in(client, "charlie")
    assert "charlie" in client.get("/").text
