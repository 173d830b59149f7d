"""Each alert keeps the auto-resolve mode of the route it fired under, so a resolve event
that carries no labels (PagerDuty's) is handled as its alert's route says.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alerts", sa.Column("auto_resolve", sa.String(12), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("warroom migrations go forward only")
