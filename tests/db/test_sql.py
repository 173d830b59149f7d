"""Parameter handling of db/sql: what each statement gives the driver, on both dialects.

The dialects here only compile (no server is needed); the round trips at the end run on
the suite's database.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import Integer, bindparam, insert, select
from sqlalchemy.engine import Dialect
from tests.db.rows import add_incident

from warroom.db.engine import Database, make_engine
from warroom.db.models import ALERTS_FIRING_KEY, INCIDENTS_OPEN_GROUP, Event, Incident, Job
from warroom.db.queries import alerts, incidents, jobs
from warroom.db.sql import MULTIROW_LIMIT, Keyed, Statement, with_defaults

AT = datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC)
JOBS = jobs.JOBS


def _dialects() -> dict[str, Dialect]:
    return {
        "sqlite": make_engine("sqlite://").dialect,
        "postgresql": make_engine("postgresql://nobody@127.0.0.1:1/none").dialect,
    }


DIALECTS = _dialects()
MARKER = {"sqlite": "?", "postgresql": "%s"}


def stored(name: str, at: datetime) -> object:
    """A timestamp as the driver is given it: naive UTC (SQLite: as text)."""
    naive = at.astimezone(UTC).replace(tzinfo=None)
    return naive.isoformat(" ") if name == "sqlite" else naive


@pytest.mark.parametrize("name", DIALECTS)
def test_every_statement_has_positional_markers_one_per_parameter(name: str) -> None:
    dialect = DIALECTS[name]
    statement = Statement(
        select(JOBS.c.id).where(
            JOBS.c.kind == bindparam("kind", type_=JOBS.c.kind.type),
            JOBS.c.due_at <= bindparam("now", type_=JOBS.c.due_at.type),
        )
    )
    sql = statement.sql(dialect)
    assert "%(" not in sql and ":kind" not in sql  # no named markers for a regex to rewrite
    assert sql.count(MARKER[name]) == 2
    assert statement.parameters(dialect, now=AT, kind="page'%") == [
        "page'%",
        stored(name, AT),
    ]


@pytest.mark.parametrize("name", DIALECTS)
def test_values_are_encoded_by_their_types_and_fixed_values_go_along(name: str) -> None:
    dialect = DIALECTS[name]
    params = jobs.CLAIM_KIND.parameters(
        dialect,
        claim_now=AT,
        claim_limit=5,
        claim_worker="w",
        claim_lease=AT + timedelta(minutes=2),
        claim_kind="page",
    )
    # an aware timestamp goes as naive UTC, as the ORM stores it
    assert stored(name, AT) in params and stored(name, AT + timedelta(minutes=2)) in params
    assert AT not in params
    assert {"pending", "running", "w", "page", 5} <= set(params)  # statuses from the statement


@pytest.mark.parametrize("name", DIALECTS)
def test_a_missing_parameter_is_named(name: str) -> None:
    with pytest.raises(TypeError, match="claim_worker"):
        jobs.CLAIM.parameters(DIALECTS[name], claim_now=AT, claim_limit=1, claim_lease=AT)


@pytest.mark.parametrize("name", DIALECTS)
def test_an_insert_leaving_out_columns_takes_their_defaults(name: str) -> None:
    dialect = DIALECTS[name]
    compiled = jobs.SCHEDULE.compiled(dialect)
    sql = compiled.sql
    for column in ("status", "attempts", "payload"):
        assert column in sql
    statement = Statement(insert(JOBS).inline(), columns=("kind", "due_at", "created_at"))
    values = statement.parameters(dialect, kind="k", due_at=AT, created_at=AT)
    assert values.count("pending") == 1 and 0 in values
    payload = values[
        statement.compiled(dialect).values.index(_named(statement, dialect, "payload"))
    ]
    assert getattr(payload, "obj", payload) in ({}, "{}")  # its default, a fresh dict, as JSON


def _named(statement: Statement, dialect: Dialect, name: str) -> object:
    return next(v for v in statement.compiled(dialect).values if v.name == name)


@pytest.mark.parametrize("name", DIALECTS)
def test_keyed_statements_take_the_keys_as_one_parameter(name: str) -> None:
    dialect = DIALECTS[name]
    sql = alerts.FIRING_BY_KEY.sql(dialect)
    keys = ["a", "b'%"]
    values = alerts.FIRING_BY_KEY.parameters(dialect, keys, integration_id=3)
    assert values[0] == 3
    if name == "sqlite":
        assert f"INDEXED BY {ALERTS_FIRING_KEY.name}" in sql
        assert "json_each(?)" in sql
        assert orjson.loads(values[1]) == keys
    else:
        assert "INDEXED BY" not in sql and "= ANY(%s)" in sql
        assert values[1] == keys


def test_a_partial_index_s_where_is_repeated_word_for_word() -> None:
    sqlite = DIALECTS["sqlite"]
    assert str(ALERTS_FIRING_KEY.dialect_options["sqlite"]["where"]) in alerts.FIRING_BY_KEY.sql(
        sqlite
    )
    where = str(INCIDENTS_OPEN_GROUP.dialect_options["sqlite"]["where"])
    assert where in incidents.OPEN_GROUPS.sql(sqlite)


def test_a_locking_read_locks_on_postgresql_only() -> None:
    assert incidents.TRIGGERED_VERSIONS.sql(DIALECTS["postgresql"]).endswith(" FOR UPDATE")
    assert "FOR UPDATE" not in incidents.TRIGGERED_VERSIONS.sql(DIALECTS["sqlite"])


def test_typed_parameters_of_a_keyed_statement_are_encoded() -> None:
    finish = jobs.FINISH.parameters(DIALECTS["sqlite"], [1, 2], now=AT, worker="w")
    assert finish == [stored("sqlite", AT), "[1,2]", "w"]


def test_rows_made_outside_the_orm_take_the_table_s_defaults() -> None:
    table = Incident.__table__
    row = with_defaults(
        table,  # type: ignore[arg-type]
        {
            "title": "t",
            "severity": "P1",
            "status": "triggered",
            "channel": "c",
            "declared_at": AT,
            "updated_at": AT,
        },
    )
    assert row["summary"] == "" and row["source"] == "manual" and row["version"] == 1
    assert row["drill"] is False and row["escalation_level"] == 0 and row["policy"] is None
    assert "id" not in row
    event = Event.__table__
    made = [
        with_defaults(
            event, {"incident_id": 1, "at": AT, "recorded_at": AT, "actor": "a", "kind": "note"}
        )
        for _ in range(2)
    ]  # type: ignore[arg-type]
    assert made[0]["data"] == {} and made[0]["data"] is not made[1]["data"]  # one each


def test_a_row_missing_a_value_its_column_needs_is_refused() -> None:
    with pytest.raises(ValueError, match=r"incidents\.title"):
        with_defaults(Incident.__table__, {"severity": "P1"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no column colour"):
        with_defaults(Job.__table__, {"kind": "k", "due_at": AT, "created_at": AT, "colour": 1})  # type: ignore[arg-type]


@pytest.mark.parametrize("count", [1, MULTIROW_LIMIT, MULTIROW_LIMIT + 1])
def test_rows_written_together_all_arrive_in_order(database: Database, count: int) -> None:
    """A few rows go as one multi-row INSERT on PostgreSQL, more through executemany."""
    with database.write.begin() as session:
        incident = add_incident(session, at=AT)
    rows = [
        ("page", incident, {"n": n, "pct": "%s %"}, AT + timedelta(microseconds=n), AT)
        for n in range(count)
    ]
    with database.write.begin() as session:
        jobs.SCHEDULE.write(session.connection(), rows)
    with database.read() as session:
        stored = session.execute(
            select(Job.kind, Job.incident_id, Job.payload, Job.due_at, Job.created_at).order_by(
                Job.id
            )
        ).all()
    assert [tuple(row) for row in stored] == rows


def test_a_statement_runs_on_the_driver_and_decodes_its_rows(database: Database) -> None:
    with database.write.begin() as session:
        ids = [add_incident(session, at=AT, version=n) for n in range(3)]
    read = Statement(
        select(Incident.__table__.c.id, Incident.__table__.c.declared_at)
        .where(Incident.__table__.c.version >= bindparam("least", type_=Integer()))
        .order_by(Incident.__table__.c.id),
        result=(Incident.__table__.c.id, Incident.__table__.c.declared_at),
    )
    with database.read() as session:
        rows = read.run(session.connection(), least=1)
    assert rows == [(ids[1], AT), (ids[2], AT)]  # UTC-aware, as the ORM reads it


def test_a_keyed_read_with_no_result_columns_gives_the_driver_s_values(database: Database) -> None:
    with database.write.begin() as session:
        incident = add_incident(session, at=AT, channel="c'%")
    plain = Keyed("SELECT id, channel FROM incidents WHERE id {keys}")
    with database.read() as session:
        assert plain.run(session.connection(), [incident]) == [(incident, "c'%")]
