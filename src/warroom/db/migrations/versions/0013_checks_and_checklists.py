"""Health check states, results and daily tallies, checklist ticks and duty records.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

from warroom.db.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_states",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("successes", sa.Integer(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=True),
        sa.Column("last_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "check_results",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("check_name", sa.String(80), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
    )
    op.create_index("ix_check_results_name_at", "check_results", ["check_name", "at"])
    op.create_table(
        "check_days",
        sa.Column("check_name", sa.String(80), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
    )
    op.create_table(
        "checklist_ticks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("phase", sa.String(12), nullable=False),
        sa.Column("item_key", sa.String(60), nullable=False),
        sa.Column("by", sa.String(120), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("incident_id", "phase", "item_key", name="ux_checklist_ticks_item"),
    )
    op.create_table(
        "duty_records",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("duty", sa.String(60), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("by", sa.String(120), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.UniqueConstraint("duty", "period", name="ux_duty_records_period"),
    )


def downgrade() -> None:
    op.drop_table("duty_records")
    op.drop_table("checklist_ticks")
    op.drop_table("check_days")
    op.drop_index("ix_check_results_name_at", table_name="check_results")
    op.drop_table("check_results")
    op.drop_table("check_states")
