"""The audit trail (`audit_entries`): who changed people, teams, users, tokens,
integrations, contacts and maintenance notes, and when; an integration's own intake limit
(`integrations.rate`, `integrations.burst`); how many reminders an overdue action item has
had (`action_items.reminders`), so each period's is sent once.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

from warroom.db.types import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
    )
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"])
    op.add_column("integrations", sa.Column("rate", sa.Float(), nullable=True))
    op.add_column("integrations", sa.Column("burst", sa.Integer(), nullable=True))
    op.add_column(
        "action_items",
        sa.Column("reminders", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("action_items") as batch:
        batch.drop_column("reminders")
    with op.batch_alter_table("integrations") as batch:
        batch.drop_column("burst")
        batch.drop_column("rate")
    op.drop_index("ix_audit_entries_at", "audit_entries")
    op.drop_table("audit_entries")
