"""People and teams managed through the API/CLI (next to those in the config file),
their sign-in (role and argon2 password hash), and server-side secrets (the web session key).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from warroom.db.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("email", sa.String(254)),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("contacts", sa.JSON, nullable=False),
        sa.Column("role", sa.String(16)),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("disabled_at", UTCDateTime()),
        sa.CheckConstraint(
            "role IS NULL OR role IN ('viewer','responder','admin')", name="ck_people_role"
        ),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("members", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("warroom migrations go forward only")
