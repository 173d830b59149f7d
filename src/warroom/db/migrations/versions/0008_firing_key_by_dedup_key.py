"""The index that finds firing alerts by dedup key leads with the dedup key:
`ux_alerts_firing_key` becomes (dedup_key, integration_id) WHERE status = 'firing'.

Intake looks up a batch's keys with `integration_id = … AND dedup_key = ANY(…)`. On
PostgreSQL 15, with the index led by integration_id, the planner may take only
`integration_id` as the index condition and check the keys as a filter, walking every
firing alert of the integration. It does so when its statistics say the integration has
next to no alerts: a new integration flooded before autovacuum's next ANALYZE. The bench
(`bench/ingest.py --db postgres`) met it: lookups took 350 to 900 ms and intake fell to ~400
alerts/s. With the dedup key first, the keys are the index condition in every plan. On
SQLite the lookup names the index (INDEXED BY) and reads the keys from json_each: either
order serves it.

Same name, same uniqueness; dropped and made again in one transaction, so no moment
without it (on PostgreSQL the table is locked against writes while it builds).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FIRING = sa.text("status = 'firing'")


def upgrade() -> None:
    op.drop_index("ux_alerts_firing_key", table_name="alerts")
    op.create_index(
        "ux_alerts_firing_key",
        "alerts",
        ["dedup_key", "integration_id"],
        unique=True,
        sqlite_where=FIRING,
        postgresql_where=FIRING,
    )


def downgrade() -> None:
    raise NotImplementedError("warroom migrations go forward only")
