"""The public status page: publications, hand-set component statuses, maintenance windows
and their updates, subscribers, upstream vendors' last status.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from warroom.db.types import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_publications",
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("title", sa.String(200)),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("published_by", sa.String(120), nullable=False),
    )
    op.create_table(
        "component_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("component", sa.String(80), nullable=False),
        sa.Column("status", sa.String(24)),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_component_changes_component_id", "component_changes", ["component", "id"])
    op.create_table(
        "maintenances",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('scheduled','in_progress','verifying','completed')",
            name="ck_maintenances_status",
        ),
        sa.CheckConstraint("ends_at > starts_at", name="ck_maintenances_window"),
    )
    op.create_index("ix_maintenances_ends_at", "maintenances", ["ends_at"])
    op.create_table(
        "maintenance_updates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("maintenance_id", sa.Integer(), sa.ForeignKey("maintenances.id"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index(
        "ix_maintenance_updates_maintenance", "maintenance_updates", ["maintenance_id", "at"]
    )
    op.create_table(
        "subscribers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("address", sa.String(500), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", UTCDateTime()),
        sa.Column("unsubscribed_at", UTCDateTime()),
        sa.CheckConstraint("kind IN ('email','webhook')", name="ck_subscribers_kind"),
    )
    op.create_index("ux_subscribers_kind_address", "subscribers", ["kind", "address"], unique=True)
    op.create_table(
        "upstream_states",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id")),
        sa.Column("opened_by_us", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("checked_at", UTCDateTime(), nullable=False),
        sa.Column("next_check_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("warroom migrations go forward only")
