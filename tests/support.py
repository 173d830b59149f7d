"""What many test modules need, defined once: free ports and polling for real processes, the
sample payloads, problem+json checks, and declaring incidents through a use case or the API."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from warroom.db.engine import Database
from warroom.db.models import Event, Incident
from warroom.services.context import Context
from warroom.services.incidents import lifecycle, timeline

T = TypeVar("T")

HOST = "127.0.0.1"
WARROOM = str(Path(sys.executable).parent / "warroom")  # the command this venv installs
PAYLOADS = Path(__file__).resolve().parent / "payloads"  # the senders' samples (SOURCES.md)
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def poll(check: Callable[[], Any], *, seconds: float = 10.0, every: float = 0.1) -> Any:
    """Call `check` until it returns something truthy, at most `seconds` long; its last answer."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(every)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The answer is an RFC 9457 problem of this status (and code); its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code
    return body


def run(database: Database, action: Callable[[Session], T]) -> T:
    """One use case in its own transaction."""
    with database.write.begin() as session:
        return action(session)


def declared(
    database: Database,
    ctx: Context,
    title: str = "Checkout down",
    *,
    severity: str = "P1",
    actor: str = "alice",
    **fields: Any,
) -> Incident:
    """Declare an incident through the use case; the incident as declared (read-only)."""
    return run(
        database,
        lambda s: lifecycle.declare(
            s, ctx=ctx, actor=actor, title=title, severity=severity, **fields
        ),
    )


def declare(database: Database, ctx: Context, *args: Any, **fields: Any) -> int:
    """`declared`, for its id."""
    return declared(database, ctx, *args, **fields).id


def in_app(app: Any) -> tuple[Database, Context]:
    """The database and context a test app (`create_app`) serves."""
    state = app.state.warroom
    return state.db, state.ctx


def post_incident(client: Any, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    """Declare an incident through the API (`POST /api/v1/incidents`); the answer's body."""
    body = {"title": "Checkout returns 500", "severity": "P1", **fields}
    response = client.post("/api/v1/incidents", json=body, headers=headers)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def events(database: Database, incident_id: int) -> list[Event]:
    with database.read() as session:
        return timeline.events_of(session, incident_id)


def kinds(database: Database, incident_id: int) -> list[str]:
    """The incident's timeline, as the kinds of its entries."""
    return [e.kind for e in events(database, incident_id)]
