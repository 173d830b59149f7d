"""Alert intake's hot statements: the firing alerts by dedup key, counts per incident,
writing new and changed alerts, and the signatures of signed requests."""

from __future__ import annotations

import functools

from sqlalchemy import Table, insert

from warroom.db.models import ALERTS_FIRING_KEY, ALERTS_INCIDENT, Alert, SeenSignature
from warroom.db.sql import Keyed, Statement, quoted, update_by_id, where_of
from warroom.domain.alerts import AlertStatus

ALERTS: Table = Alert.__table__  # type: ignore[assignment]
SEEN: Table = SeenSignature.__table__  # type: ignore[assignment]
ALERT_COLUMNS = tuple(c.key for c in ALERTS.columns if c.key != "id")
JSON_COLUMNS = ("labels", "links", "details", "raw")  # given encoded (`engine.json_text`)

# New alerts: rows in ALERT_COLUMNS order, the JSON columns already encoded.
INSERT = Statement(insert(ALERTS).inline(), columns=ALERT_COLUMNS, encoded=JSON_COLUMNS)

# The firing alerts of one integration (:integration_id) among some dedup keys.
FIRING_BY_KEY = Keyed(
    "SELECT id, dedup_key, incident_id, count, summary, auto_resolve FROM alerts{hint}"
    f" WHERE integration_id = :integration_id AND {where_of(ALERTS_FIRING_KEY)}"
    " AND dedup_key {keys}",
    index=ALERTS_FIRING_KEY,
    params={"integration_id": ALERTS.c.integration_id},
)

# How many alerts fire on each of some incidents (an incident with none: no row).
FIRING_COUNTS = Keyed(
    "SELECT incident_id, count(*) FROM alerts{hint}"
    f" WHERE incident_id {{keys}} AND status = {quoted(AlertStatus.FIRING)}"
    " GROUP BY incident_id",
    index=ALERTS_INCIDENT,
)

# The signatures among some that are stored already.
SEEN_KEYS = Keyed("SELECT key FROM seen_signatures WHERE key {keys}")


@functools.cache
def update_alerts(columns: tuple[str, ...]) -> Statement:
    """Alerts' changes, by id: rows are (values of `columns`…, id)."""
    return update_by_id(ALERTS, columns)
