"""Intake finds a batch's firing alerts by their dedup keys, and reads only those: also
on PostgreSQL when its statistics are stale, as they are for a new integration flooded
before autovacuum's next ANALYZE (the case migration 0008 is for)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from tests.conftest import PG_BASE
from tests.support import run

from warroom.db.engine import Database
from warroom.db.queries.alerts import FIRING_BY_KEY
from warroom.services.context import Context
from warroom.services.ingest import integrations

SEARCH_BY_KEY = re.compile(
    r"SEARCH alerts USING INDEX ux_alerts_firing_key \((\w+)=\? AND (?!\1)(\w+)=\?\)"
)
OLD_ALERTS = 2_000  # of the integration the statistics know
FLOOD = 20_000  # of the new one, after the last ANALYZE


def add_firing(database: Database, integration_id: int, count: int) -> None:
    """`count` firing alerts of this integration, keys `<integration id>-<n>`."""
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s"
                " WHERE n < :count)"
                " INSERT INTO alerts (integration_id, dedup_key, status, summary, labels, links,"
                " details, raw, count, first_seen_at, last_seen_at)"
                " SELECT :integration_id, :prefix || n, 'firing', 'disk full', '{}', '[]', '{}',"
                " '{}', 1, :at, :at FROM s"
            ),
            {
                "integration_id": integration_id,
                "prefix": f"{integration_id}-",
                "count": count,
                "at": "2026-11-02 09:00:00",
            },
        )


@pytest.fixture
def no_autovacuum(database: Database) -> Iterator[None]:
    """PostgreSQL's autovacuum kept off the alerts table: its statistics stay stale."""
    if database.engine.dialect.name != "postgresql":
        yield
        return
    with database.engine.begin() as conn:
        conn.execute(text("ALTER TABLE alerts SET (autovacuum_enabled = false)"))
    try:
        yield
    finally:
        with database.engine.begin() as conn:
            conn.execute(text("ALTER TABLE alerts RESET (autovacuum_enabled)"))


def test_a_flooded_new_integration_s_keys_are_found_by_index_not_by_walking_its_alerts(
    database: Database, ctx: Context, no_autovacuum: None
) -> None:
    known, _ = run(
        database,
        lambda s: integrations.create(s, ctx=ctx, actor="admin", name="old", kind="generic"),
    )
    add_firing(database, known.id, OLD_ALERTS)
    with database.engine.begin() as conn:
        conn.execute(text("ANALYZE alerts"))
    new, _ = run(
        database,
        lambda s: integrations.create(s, ctx=ctx, actor="admin", name="new", kind="generic"),
    )
    add_firing(database, new.id, FLOOD)
    keys = [f"{new.id}-{n}" for n in (7, 9_999, FLOOD)] + [f"{new.id}-{FLOOD + 1}"]

    with database.engine.connect() as conn:
        found = FIRING_BY_KEY.run(conn, keys, integration_id=new.id)
        assert sorted(row[1] for row in found) == sorted(keys[:3])  # the one never sent: none
        read = rows_read(conn, keys, new.id)
    assert read <= len(keys), f"the lookup read {read} alerts to find {len(keys)} keys"


def rows_read(conn: Any, keys: list[str], integration_id: int) -> int:
    """How many alerts the lookup's plan reads: on PostgreSQL the rows its scans of the
    table returned and filtered out; on SQLite, 0 when each step is a SEARCH of
    ux_alerts_firing_key by both its columns, else every alert."""
    cursor = conn.connection.cursor()
    try:
        if PG_BASE is not None:
            cursor.execute(
                f"EXPLAIN (ANALYZE, FORMAT JSON) {FIRING_BY_KEY.sql(conn.dialect)}",
                FIRING_BY_KEY.parameters(conn.dialect, keys, integration_id=integration_id),
            )
            plan = cursor.fetchone()[0]
            plan = plan if isinstance(plan, list) else json.loads(plan)
            return sum(
                node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
                for node in walk(plan[0]["Plan"])
                if node.get("Relation Name") == "alerts"
            )
        cursor.execute(
            f"EXPLAIN QUERY PLAN {FIRING_BY_KEY.sql(conn.dialect)}",
            FIRING_BY_KEY.parameters(conn.dialect, keys, integration_id=integration_id),
        )
        details = [row[-1] for row in cursor.fetchall() if "alerts" in row[-1]]
        by_both = [d for d in details if SEARCH_BY_KEY.fullmatch(d)]
        return 0 if details and by_both == details else OLD_ALERTS + FLOOD
    finally:
        cursor.close()


def walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from walk(child)
