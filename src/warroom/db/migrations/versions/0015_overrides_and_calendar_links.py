"""Schedule overrides made through the UI, CLI or API (`schedule_overrides`), private
calendar links (`calendar_links`), and an index that lists incidents by declaration time.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

from warroom.db.types import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schedule_overrides",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("schedule", sa.String(80), nullable=False),
        sa.Column("person", sa.String(80), nullable=False),
        sa.Column("start_at", UTCDateTime(), nullable=False),
        sa.Column("end_at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("removed_by", sa.String(120), nullable=True),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
    )
    op.create_index(
        "ix_schedule_overrides_schedule_end", "schedule_overrides", ["schedule", "end_at"]
    )
    op.create_table(
        "calendar_links",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("person", sa.String(80), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_calendar_links_person", "calendar_links", ["person"])
    op.create_index("ix_incidents_declared_id", "incidents", ["declared_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_incidents_declared_id", "incidents")
    op.drop_table("calendar_links")
    op.drop_table("schedule_overrides")
