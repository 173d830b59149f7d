"""Locks by name that planners take so they never run side by side."""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def take_turns(session: Session, name: str) -> None:
    """Hold, until the transaction ends, a lock of this name: planners that must not run
    side by side (two workers starting at once) wait for each other. PostgreSQL: an
    advisory lock; SQLite: nothing to do, as its writers already run one at a time."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
