"""Incidents' hot statements: opening many at once, their timeline's first lines, and
the reads alert intake and paging make of them among some ids or keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnClause, Connection, Table, insert, literal_column

from warroom.db.models import INCIDENTS_CHANNEL, INCIDENTS_OPEN_GROUP, Event, Incident
from warroom.db.sql import Keyed, Statement, quoted, update_by_id, where_of
from warroom.domain.incidents import Status

INCIDENTS: Table = Incident.__table__  # type: ignore[assignment]
EVENTS: Table = Event.__table__  # type: ignore[assignment]
INCIDENT_COLUMNS = tuple(c.key for c in INCIDENTS.columns if c.key != "id")
EVENT_COLUMNS = ("incident_id", "at", "recorded_at", "actor", "kind", "text", "visibility", "data")

# Timeline lines: rows in EVENT_COLUMNS order (APPEND_ENCODED: their data JSON already).
APPEND = Statement(insert(EVENTS).inline(), columns=EVENT_COLUMNS)
APPEND_ENCODED = Statement(insert(EVENTS).inline(), columns=EVENT_COLUMNS, encoded=("data",))

_INSERT = Statement(insert(INCIDENTS).inline(), columns=INCIDENT_COLUMNS)
# Read back with the new id on PostgreSQL, so a clash costs no round trip of its own: does
# an earlier incident have this channel name? (In RETURNING, `incidents` is the row just
# written.) SQLite cannot look that up through the channel index from RETURNING (it scans
# every incident), and asks in a SELECT of its own, which costs it no round trip.
_CHANNEL_TAKEN: ColumnClause[bool] = literal_column(
    "EXISTS (SELECT 1 FROM incidents AS earlier"
    " WHERE earlier.channel = incidents.channel AND earlier.id < incidents.id)"
)
_INSERT_CHECKED = insert(INCIDENTS).returning(
    INCIDENTS.c.id, _CHANNEL_TAKEN, sort_by_parameter_order=True
)
# The first incident of each of some channel names.
FIRST_BY_CHANNEL = Keyed(
    "SELECT channel, min(id) FROM incidents{hint} WHERE channel {keys} GROUP BY channel",
    index=INCIDENTS_CHANNEL,
)
_CHANNEL = INCIDENT_COLUMNS.index("channel")
RENAME_CHANNELS = update_by_id(INCIDENTS, ["channel"])  # rows: (channel, id)


def insert_incidents(
    connection: Connection, rows: Sequence[Sequence[Any]]
) -> list[tuple[int, bool]]:
    """Write new incidents (rows of every column in INCIDENT_COLUMNS order), the caller
    holding the write transaction; for each, in order: its id, and whether an incident
    written before these has its channel name. (Whether one among these rows does, the
    caller tells: on SQLite it counts, on PostgreSQL the INSERT does not see its own rows.)"""
    if connection.dialect.name == "sqlite":
        ids = _INSERT.insert_returning_ids(connection, rows)
        channels = [row[_CHANNEL] for row in rows]
        first = dict(FIRST_BY_CHANNEL.run(connection, sorted(set(channels))))
        return [(new_id, first[name] < new_id) for new_id, name in zip(ids, channels, strict=True)]
    values = [dict(zip(INCIDENT_COLUMNS, row, strict=True)) for row in rows]
    return [(row[0], bool(row[1])) for row in connection.execute(_INSERT_CHECKED, values)]


# The open incident of each of some alert groups.
OPEN_GROUPS = Keyed(
    "SELECT group_key, id FROM incidents{hint}"
    f" WHERE group_key {{keys}} AND {where_of(INCIDENTS_OPEN_GROUP)}",
    index=INCIDENTS_OPEN_GROUP,
)

# What alert intake decides from, of some incidents: id, status, severity.
STATES = Keyed("SELECT id, status, severity FROM incidents WHERE id {keys}")

# The version of each triggered incident among some (on PostgreSQL its row locked, as an
# acknowledgement locks it).
TRIGGERED_VERSIONS = Keyed(
    f"SELECT id, version FROM incidents WHERE status = {quoted(Status.TRIGGERED)} AND id {{keys}}",
    lock=True,
)
