"""Post-mortems with their versions, action items, and a partial index of the
incidents whose updates fell behind (for the reports).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

from warroom.db.types import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "postmortems",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime()),
        sa.UniqueConstraint("incident_id"),
        sa.CheckConstraint(
            "state IN ('draft','in_review','published')", name="ck_postmortems_state"
        ),
    )
    op.create_table(
        "postmortem_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "postmortem_id", sa.Integer(), sa.ForeignKey("postmortems.id"), nullable=False
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(120), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ux_postmortem_versions_number",
        "postmortem_versions",
        ["postmortem_id", "number"],
        unique=True,
    )
    op.create_table(
        "action_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime()),
        sa.CheckConstraint(
            "kind IN ('prevent','detect','mitigate','process')", name="ck_action_items_kind"
        ),
        sa.CheckConstraint(
            "status IN ('open','done','dropped')", name="ck_action_items_status"
        ),
    )
    op.create_index("ix_action_items_incident", "action_items", ["incident_id"])
    op.create_index("ix_action_items_status_due", "action_items", ["status", "due_at"])
    op.create_index("ix_action_items_owner_status", "action_items", ["owner", "status"])
    op.create_index(
        "ix_events_update_overdue",
        "events",
        ["incident_id"],
        sqlite_where=sa.text("kind = 'update_overdue'"),
        postgresql_where=sa.text("kind = 'update_overdue'"),
    )


def downgrade() -> None:
    op.drop_index("ix_events_update_overdue", "events")
    op.drop_table("action_items")
    op.drop_index("ux_postmortem_versions_number", "postmortem_versions")
    op.drop_table("postmortem_versions")
    op.drop_table("postmortems")
