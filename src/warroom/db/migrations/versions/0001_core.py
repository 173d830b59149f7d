"""Core: incidents, their append-only timeline, jobs and API tokens.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from warroom.db.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

OPEN = (
    "status IN ('triggered','acknowledged','investigating','identified','mitigating','monitoring')"
)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("impact", sa.Text, nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("service", sa.String(80)),
        sa.Column("channel", sa.String(120), nullable=False),
        sa.Column("commander", sa.String(120)),
        sa.Column("comms", sa.String(120)),
        sa.Column("scribe", sa.String(120)),
        sa.Column("responders", sa.Text, nullable=False),
        sa.Column("declared_at", UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime()),
        sa.Column("mitigated_at", UTCDateTime()),
        sa.Column("resolved_at", UTCDateTime()),
        sa.Column("closed_at", UTCDateTime()),
        sa.Column("ack_due_at", UTCDateTime()),
        sa.Column("next_update_due_at", UTCDateTime()),
        sa.Column("postmortem_due_at", UTCDateTime()),
        sa.Column("escalation_level", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('triggered','acknowledged','investigating','identified',"
            "'mitigating','monitoring','resolved','closed')",
            name="ck_incidents_status",
        ),
    )
    op.create_index("ix_incidents_status_id", "incidents", ["status", "id"])
    op.create_index("ix_incidents_severity_id", "incidents", ["severity", "id"])
    op.create_index("ix_incidents_service_id", "incidents", ["service", "id"])
    op.create_index("ix_incidents_channel", "incidents", ["channel"])
    op.create_index(
        "ix_incidents_open_id",
        "incidents",
        ["id"],
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    op.create_index(
        "ix_incidents_open_severity_id",
        "incidents",
        ["severity", "id"],
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    op.create_index(
        "ix_incidents_open_service_id",
        "incidents",
        ["service", "id"],
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )

    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("visibility", sa.String(8), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.CheckConstraint("visibility IN ('internal','public')", name="ck_events_visibility"),
    )
    op.create_index("ix_events_incident_at", "events", ["incident_id", "at", "id"])

    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id")),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("claimed_by", sa.String(80)),
        sa.Column("lease_until", UTCDateTime()),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime()),
    )
    op.create_index(
        "ix_jobs_due_pending",
        "jobs",
        ["due_at"],
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_jobs_lease_running",
        "jobs",
        ["lease_until"],
        sqlite_where=sa.text("status = 'running'"),
        postgresql_where=sa.text("status = 'running'"),
    )

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime()),
        sa.Column("revoked_at", UTCDateTime()),
    )
    _forbid_timeline_rewrites()


def _forbid_timeline_rewrites() -> None:
    """The timeline is append-only, and the database itself says so."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER events_no_{verb.lower()} BEFORE {verb} ON events "
                "BEGIN SELECT RAISE(ABORT, 'timeline events are append-only'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION warroom_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'timeline events are append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
        "FOR EACH ROW EXECUTE FUNCTION warroom_events_append_only()"
    )


def downgrade() -> None:
    raise NotImplementedError("warroom migrations go forward only")
