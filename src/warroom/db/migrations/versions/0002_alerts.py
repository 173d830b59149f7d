"""Alerts: integrations, deduplicated alerts, and incidents grouped by a key while open.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from warroom.db.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OPEN = (
    "status IN ('triggered','acknowledged','investigating','identified','mitigating','monitoring')"
)


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("group_key", sa.String(400)))
    op.create_index(
        "ux_incidents_open_group",
        "incidents",
        ["group_key"],
        unique=True,
        sqlite_where=sa.text(f"group_key IS NOT NULL AND {OPEN}"),
        postgresql_where=sa.text(f"group_key IS NOT NULL AND {OPEN}"),
    )
    op.create_table(
        "integrations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("service", sa.String(80)),
        sa.Column("hmac_secret", sa.String(200)),
        sa.Column("disabled_at", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("integration_id", sa.Integer, sa.ForeignKey("integrations.id"), nullable=False),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id")),
        sa.Column("dedup_key", sa.String(255), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("severity", sa.String(16)),
        sa.Column("source_severity", sa.String(40)),
        sa.Column("service", sa.String(80)),
        sa.Column("source", sa.String(255)),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("links", sa.JSON, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("raw", sa.JSON, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("started_at", UTCDateTime()),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime()),
        sa.CheckConstraint("status IN ('firing','resolved')", name="ck_alerts_status"),
    )
    op.create_index(
        "ux_alerts_firing_key",
        "alerts",
        ["integration_id", "dedup_key"],
        unique=True,
        sqlite_where=sa.text("status = 'firing'"),
        postgresql_where=sa.text("status = 'firing'"),
    )
    op.create_index("ix_alerts_incident", "alerts", ["incident_id", "status"])
    op.create_index("ix_alerts_status_id", "alerts", ["status", "id"])


def downgrade() -> None:
    raise NotImplementedError("warroom migrations go forward only")
