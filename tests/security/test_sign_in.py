"""Guessing passwords is throttled per name and per address, with Retry-After; failures
are logged; signing out or changing the password ends every session of the user."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from tests.web.conftest import csrf_of

from warroom.clock import FrozenClock
from warroom.config import WarroomConfig, parse_config
from warroom.config_security import SecurityConfig
from warroom.errors import TooManyRequests, Unauthorized
from warroom.services.access import users
from warroom.web import sessions
from warroom.web.sign_ins import SignInGuard


@pytest.fixture
def config() -> WarroomConfig:
    return parse_config({"security": {"login_failures_per_name": 3,
                                      "login_failures_per_address": 5}})  # fmt: skip


def _try(client: TestClient, name: str, password: str) -> Any:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"csrf": token, "username": name, "password": password},
        follow_redirects=False,
    )


def test_wrong_passwords_for_one_name_are_throttled_then_let_through(
    browse: Callable[[str | None], TestClient], clock: FrozenClock, caplog: Any
) -> None:
    client = browse(None)
    with caplog.at_level(logging.WARNING, logger="warroom.sign_in"):
        for _ in range(3):
            assert _try(client, "bob", "not-the-password").status_code == 401
    assert sum("failed sign-in for 'bob'" in r.getMessage() for r in caplog.records) == 3
    held = _try(client, "bob", "bob-password")  # even the right password waits now
    assert held.status_code == 429
    assert 1 <= int(held.headers["Retry-After"]) <= 900
    assert "Too many failed sign-ins" in held.text
    assert _try(client, "charlie", "charlie-password").status_code == 303  # other names go on
    clock.advance(timedelta(seconds=901))
    assert _try(client, "bob", "bob-password").status_code == 303


def test_one_address_trying_many_names_is_throttled(
    browse: Callable[[str | None], TestClient],
) -> None:
    client = browse(None)
    for n in range(5):
        assert _try(client, f"nobody{n}", "guess-guess").status_code == 401
    held = _try(client, "alice", "alice-password")
    assert held.status_code == 429 and "Retry-After" in held.headers


def test_password_checks_run_a_bounded_number_at_a_time(clock: FrozenClock) -> None:
    guard = SignInGuard(SecurityConfig(concurrent_password_checks=2), clock)
    running, most = 0, 0
    lock = threading.Lock()

    def slow_check() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)  # stands in for argon2's work: this test times nothing
        with lock:
            running -= 1
        raise Unauthorized("no")

    def attempt(n: int) -> None:
        with pytest.raises((Unauthorized, TooManyRequests)):
            guard.attempt(f"user{n}", f"10.0.0.{n}", slow_check, hashes=True)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 2


def test_signing_out_ends_every_session_of_the_user(
    browse: Callable[[str | None], TestClient],
) -> None:
    laptop, phone = browse("bob"), browse("bob")
    assert phone.get("/").status_code == 200
    kept = phone.cookies.get("warroom_session")
    token = csrf_of(laptop.get("/").text)
    assert laptop.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert phone.get("/", follow_redirects=False).status_code == 303  # back to sign-in
    replayed = TestClient(laptop.app, cookies={"warroom_session": kept})  # type: ignore[arg-type]
    assert replayed.get("/", follow_redirects=False).status_code == 303


def test_a_password_change_ends_every_session(
    app: Any, browse: Callable[[str | None], TestClient]
) -> None:
    phone = browse("charlie")
    assert phone.get("/").status_code == 200
    state = app.state.warroom
    with state.db.write.begin() as session:
        users.set_password(
            session, ctx=state.ctx, actor="admin", name="charlie", password="a-new-password"
        )
    assert phone.get("/", follow_redirects=False).status_code == 303


def test_the_session_cookie_holds_no_part_of_the_password_hash(
    app: Any, browse: Callable[[str | None], TestClient]
) -> None:
    client = browse("alice")
    reader = URLSafeTimedSerializer(app.state.web.session_key(), salt=sessions.SALT)
    held = reader.loads(client.cookies["warroom_session"])
    state = app.state.warroom
    with state.db.read() as session:
        [row] = [r for r in users.list_users(session) if r.name == "alice"]
    assert row.password_hash
    assert not any(isinstance(value, str) and value in row.password_hash for value in held.values())
    assert held["g"] == row.session_generation


def test_signing_out_of_a_token_session_ends_every_session_opened_with_it(
    browse: Callable[[str | None], TestClient], tokens_by_persona: dict[str, str]
) -> None:
    def with_token() -> TestClient:
        client = browse(None)
        token = csrf_of(client.get("/login").text)
        opened = client.post("/login", data={"csrf": token, "token": tokens_by_persona["bob"]},
                             follow_redirects=False)  # fmt: skip
        assert opened.status_code == 303
        return client

    laptop, phone = with_token(), with_token()
    assert phone.get("/").status_code == 200
    token = csrf_of(laptop.get("/").text)
    assert laptop.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert phone.get("/", follow_redirects=False).status_code == 303
    api = phone.get(
        "/api/v1/incidents", headers={"Authorization": f"Bearer {tokens_by_persona['bob']}"}
    )
    assert api.status_code == 200  # the token itself still works for the API
