"""Acknowledge links are found by their incident: tokens read `<incident id>.<secret>`, so
a lookup goes through an index on ack_tokens(incident_id), which grows at its right edge
as pages are sent, and the UNIQUE index on token_hash goes. That index was keyed by a
random value: every insert dirtied a random leaf page of it (on SQLite, several times the
WAL per commit of a batch of links, under the one write lock).

The unique constraint was unnamed in 0003: PostgreSQL named it `ack_tokens_token_hash_key`;
on SQLite it is an autoindex of the inline UNIQUE, dropped by rebuilding the table (batch
mode), where the naming convention gives the reflected, nameless constraint that same name.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table(
        "ack_tokens", naming_convention={"uq": "%(table_name)s_%(column_0_name)s_key"}
    ) as batch:
        batch.drop_constraint("ack_tokens_token_hash_key", type_="unique")
    op.create_index("ix_ack_tokens_incident", "ack_tokens", ["incident_id"])


def downgrade() -> None:
    raise NotImplementedError("warroom migrations go forward only")
