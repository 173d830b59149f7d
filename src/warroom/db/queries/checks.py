"""The health checks' statements: their results kept, and each day's tally counted up."""

from __future__ import annotations

from sqlalchemy import Table, insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from warroom.db.operations import CheckDay, CheckResult
from warroom.db.sql import Statement

RESULTS: Table = CheckResult.__table__  # type: ignore[assignment]
DAYS: Table = CheckDay.__table__  # type: ignore[assignment]
RESULT_COLUMNS = ("check_name", "at", "due_at", "ok", "latency_ms", "message")
INSERT_RESULTS = Statement(insert(RESULTS).inline(), columns=RESULT_COLUMNS)


def count_days(session: Session, tally: dict[tuple[str, str], tuple[int, int]]) -> None:
    """Add (runs, passed) to each (check, day)'s tally: one upsert per check and day."""
    dialect = session.get_bind().dialect.name
    upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    for (name, day), (runs, passed) in sorted(tally.items()):
        statement = upsert(DAYS).values(check_name=name, day=day, runs=runs, passed=passed)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[DAYS.c.check_name, DAYS.c.day],
                set_={"runs": DAYS.c.runs + runs, "passed": DAYS.c.passed + passed},
            )
        )
