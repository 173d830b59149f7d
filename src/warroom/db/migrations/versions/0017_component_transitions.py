"""Every change of a component's public status, hand-set or automatic, with its cause
(`component_transitions`), and the link to a vendor's current incident
(`upstream_states.vendor_link`), and subscribe requests counted per client address and
minute for every process (`subscribe_attempts`).

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

from warroom.db.types import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "component_transitions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("component", sa.String(80), nullable=False),
        sa.Column("after_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("previous", sa.String(24), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("cause_kind", sa.String(16), nullable=False),
        sa.Column("cause", sa.String(200), nullable=False, server_default=""),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "cause_kind IN ('incident','maintenance','upstream','person','none')",
            name="ck_component_transitions_cause_kind",
        ),
    )
    op.create_index(
        "ux_component_transitions_chain",
        "component_transitions",
        ["component", "after_id"],
        unique=True,
    )
    op.create_index("ix_component_transitions_at", "component_transitions", ["at"])
    op.create_table(
        "subscribe_attempts",
        sa.Column("client", sa.String(64), primary_key=True),
        sa.Column("window_start", UTCDateTime(), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_subscribe_attempts_window_start", "subscribe_attempts", ["window_start"])
    with op.batch_alter_table("upstream_states") as batch:
        batch.add_column(sa.Column("vendor_link", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_table("subscribe_attempts")
    with op.batch_alter_table("upstream_states") as batch:
        batch.drop_column("vendor_link")
    op.drop_table("component_transitions")
