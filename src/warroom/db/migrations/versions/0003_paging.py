"""Paging: the escalation policy frozen on each incident, acknowledge links, disabled contacts.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from warroom.db.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("policy", sa.JSON))
    op.create_index("ix_jobs_incident_kind", "jobs", ["incident_id", "kind"])
    op.create_table(
        "ack_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("person", sa.String(80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime()),
    )
    op.create_table(
        "disabled_contacts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("person", sa.String(80), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("disabled_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_disabled_contacts_person", "disabled_contacts", ["person"])


def downgrade() -> None:
    raise NotImplementedError("warroom migrations go forward only")
