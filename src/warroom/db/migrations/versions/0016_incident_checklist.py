"""Incidents keep their own checklist: `checklist_sets` holds each distinct list of items
once, and `incidents.checklist_set` names the one an incident was given when it opened
(NULL for incidents opened before: they read the config).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checklist_sets",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("items", sa.JSON(), nullable=False),
    )
    op.add_column("incidents", sa.Column("checklist_set", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("checklist_set")
    op.drop_table("checklist_sets")
