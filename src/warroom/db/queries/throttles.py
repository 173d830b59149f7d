"""Counting requests per client and window in the database, so that a limit holds for
every process: one upsert that adds one and reads the count back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from warroom.db.status_models import SubscribeAttempt

ATTEMPTS: Table = SubscribeAttempt.__table__  # type: ignore[assignment]


def count_attempt(session: Session, *, client: str, window_start: datetime) -> int:
    """Add one to this client's count in this window; the count with it."""
    dialect = session.get_bind().dialect.name
    upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    one = upsert(ATTEMPTS).values(client=client, window_start=window_start, count=1)
    counted = one.on_conflict_do_update(
        index_elements=[ATTEMPTS.c.client, ATTEMPTS.c.window_start],
        set_={"count": ATTEMPTS.c.count + 1},
    ).returning(ATTEMPTS.c.count)
    found: int = session.execute(counted).scalar_one()
    return found


def prune(session: Session, *, before: datetime) -> None:
    """Forget the windows that started before `before`."""
    session.execute(delete(ATTEMPTS).where(ATTEMPTS.c.window_start < before))
