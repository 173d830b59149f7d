"""Acknowledge links are found by their incident: tokens read `<incident id>.<secret>`, so
a lookup goes through an index on ack_tokens(incident_id), which grows at its right edge
as pages are sent, and the UNIQUE index on token_hash goes. That index was keyed by a
random value: every insert dirtied a random leaf page of it (on SQLite, several times the
WAL per commit of a batch of links, under the one write lock).

The unique constraint was unnamed in 0003: PostgreSQL named it `ack_tokens_token_hash_key`;
on SQLite it is an autoindex of the inline UNIQUE, dropped by rebuilding the table (batch
mode), where the naming convention gives the reflected, nameless constraint that same name.

Links sent before this upgrade carry a bare secret, with no incident id to look them up
by. Without the unique index, finding one by its hash would scan ack_tokens, and /ack needs
no login: anyone could make each request read the whole, ever-growing table. So every row
here at the upgrade (each one an old-form link) gets a row in `ack_tokens_legacy`, keyed by
its hash (the primary key), pointing at its link. Links made after the upgrade never go
there: that table never grows and costs the paging path nothing.

It is filled after the constraint is dropped, in the same transaction, so with exactly the
rows there at the upgrade: no link of the new form can exist before this commits, and the
drop holds off writers of ack_tokens until then (PostgreSQL's ACCESS EXCLUSIVE lock, the one
write lock on SQLite). Not before it: on SQLite the drop rebuilds ack_tokens, and with
foreign keys enforced, dropping the old table would fail on the rows referring to it.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
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
    op.create_table(
        "ack_tokens_legacy",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("link_id", sa.Integer, sa.ForeignKey("ack_tokens.id"), nullable=False),
    )
    op.execute(
        "INSERT INTO ack_tokens_legacy (token_hash, link_id) SELECT token_hash, id FROM ack_tokens"
    )


def downgrade() -> None:
    raise NotImplementedError("warroom migrations go forward only")
