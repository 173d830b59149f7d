"""Secrets at rest: web sessions carry the session generation of their user or token
(`people.session_generation`, `api_tokens.session_generation`; signing out, or changing
the password, moves it on, ending every session opened before), and contact ids are
keyed: an HMAC under a key made here (`server_secrets.contact_id_key`), so no id can be
matched against a guessed URL.

Revision ID: 0011
Revises: 0010
"""

import secrets

import sqlalchemy as sa
from alembic import op

from warroom.clock import SystemClock
from warroom.db.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CONTACT_KEY = "contact_id_key"


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: a constant default needs no table rebuild.
    for table in ("people", "api_tokens"):
        op.add_column(
            table,
            sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"),
        )
    server_secrets = sa.table(
        "server_secrets",
        sa.column("name", sa.String),
        sa.column("value", sa.String),
        sa.column("created_at", UTCDateTime()),
    )
    op.bulk_insert(
        server_secrets,
        [
            {
                "name": CONTACT_KEY,
                "value": secrets.token_urlsafe(32),
                "created_at": SystemClock().now(),
            }
        ],
    )


def downgrade() -> None:
    forget = sa.text("DELETE FROM server_secrets WHERE name = :name")
    op.execute(forget.bindparams(name=CONTACT_KEY))
    for table in ("people", "api_tokens"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("session_generation")
