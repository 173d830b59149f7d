"""The signatures of signed webhook requests taken, so a replay inside the timestamp's
tolerance window is refused too.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from warroom.db.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seen_signatures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(100), nullable=False, unique=True),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_seen_signatures_seen_at", "seen_signatures", ["seen_at"])


def downgrade() -> None:
    raise NotImplementedError("warroom migrations go forward only")
