"""Tables. The migrations in `migrations/versions` create exactly these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from warroom.db.types import UTCDateTime
from warroom.domain.alerts import AlertStatus
from warroom.domain.incidents import OPEN_STATUSES
from warroom.domain.jobs import JobStatus

# The partial indexes' WHEREs, word for word as the migrations create them: a statement
# that names such an index (db/queries) repeats its WHERE, which SQLite needs to use it.
OPEN_STATUSES_SQL = "status IN (" + ",".join(f"'{s.value}'" for s in OPEN_STATUSES) + ")"
FIRING_SQL = f"status = '{AlertStatus.FIRING.value}'"
PENDING_SQL = f"status = '{JobStatus.PENDING.value}'"
RUNNING_SQL = f"status = '{JobStatus.RUNNING.value}'"


def _partial(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index of only the rows that match `where` (on both databases)."""
    return Index(
        name, *columns, unique=unique, sqlite_where=text(where), postgresql_where=text(where)
    )


# The indexes the hot statements name (db/queries): there by these objects, not by name.
INCIDENTS_CHANNEL = Index("ix_incidents_channel", "channel")
INCIDENTS_OPEN_GROUP = _partial(
    "ux_incidents_open_group",
    "group_key",
    where=f"group_key IS NOT NULL AND {OPEN_STATUSES_SQL}",
    unique=True,
)
ALERTS_FIRING_KEY = _partial(  # the dedup key first: see migration 0008
    "ux_alerts_firing_key", "dedup_key", "integration_id", where=FIRING_SQL, unique=True
)
ALERTS_INCIDENT = Index("ix_alerts_incident", "incident_id", "status")


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    impact: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16), default="manual")
    service: Mapped[str | None] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(120))
    commander: Mapped[str | None] = mapped_column(String(120))
    comms: Mapped[str | None] = mapped_column(String(120))
    scribe: Mapped[str | None] = mapped_column(String(120))
    responders: Mapped[str] = mapped_column(Text, default="")  # newline-separated names
    declared_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    mitigated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    ack_due_at: Mapped[datetime | None]
    next_update_due_at: Mapped[datetime | None]
    postmortem_due_at: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime]
    group_key: Mapped[str | None] = mapped_column(String(400))  # alert grouping, while open
    policy: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # escalation, frozen at open
    # Its checklist: the items copied from the config at open, kept once per distinct list
    # (checklist_sets.id; NULL for incidents opened before: they read the config).
    checklist_set: Mapped[str | None] = mapped_column(String(32))
    # A drill (`warroom drill`): a real incident kept out of reports and the status page.
    drill: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        CheckConstraint(
            "status IN ('triggered','acknowledged','investigating','identified',"
            "'mitigating','monitoring','resolved','closed')",
            name="ck_incidents_status",
        ),
        Index("ix_incidents_status_id", "status", "id"),
        Index("ix_incidents_severity_id", "severity", "id"),
        Index("ix_incidents_service_id", "service", "id"),
        INCIDENTS_CHANNEL,
        INCIDENTS_OPEN_GROUP,
        Index("ix_incidents_declared_id", "declared_at", "id"),
        Index(
            "ix_incidents_open_id",
            "id",
            sqlite_where=text(OPEN_STATUSES_SQL),
            postgresql_where=text(OPEN_STATUSES_SQL),
        ),
        Index(
            "ix_incidents_open_severity_id",
            "severity",
            "id",
            sqlite_where=text(OPEN_STATUSES_SQL),
            postgresql_where=text(OPEN_STATUSES_SQL),
        ),
        Index(
            "ix_incidents_open_service_id",
            "service",
            "id",
            sqlite_where=text(OPEN_STATUSES_SQL),
            postgresql_where=text(OPEN_STATUSES_SQL),
        ),
    )


class Event(Base):
    """One line of an incident's timeline. Rows are only ever inserted."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(8), default="internal")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (
        CheckConstraint("visibility IN ('internal','public')", name="ck_events_visibility"),
        Index("ix_events_incident_at", "incident_id", "at", "id"),
    )


class Job(Base):
    """Background work with a due time; claimed by compare-and-set on `status`."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]

    __table_args__ = (
        _partial("ix_jobs_due_pending", "due_at", where=PENDING_SQL),
        _partial("ix_jobs_lease_running", "lease_until", where=RUNNING_SQL),
        Index("ix_jobs_incident_kind", "incident_id", "kind"),
    )


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Moves on when a web session opened with the token signs out: every such session ends.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Integration(Base):
    """An alert sender: its kind, the hash of the key in its URL, an optional HMAC secret,
    and its own intake limit when it has one."""

    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    service: Mapped[str | None] = mapped_column(String(80))
    hmac_secret: Mapped[str | None] = mapped_column(String(200))
    disabled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    rate: Mapped[float | None] = mapped_column(Float)  # alerts a second; None: the config's
    burst: Mapped[int | None] = mapped_column(Integer)  # at most at once; None: the config's


class Alert(Base):
    """One signal, deduplicated: repeats of a firing dedup key update this row."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    dedup_key: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(12))
    summary: Mapped[str] = mapped_column(Text)
    severity: Mapped[str | None] = mapped_column(String(16))
    source_severity: Mapped[str | None] = mapped_column(String(40))
    service: Mapped[str | None] = mapped_column(String(80))
    source: Mapped[str | None] = mapped_column(String(255))
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    links: Mapped[list[Any]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    count: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    auto_resolve: Mapped[str | None] = mapped_column(String(12))  # its route's, when it fired

    __table_args__ = (
        CheckConstraint("status IN ('firing','resolved')", name="ck_alerts_status"),
        ALERTS_FIRING_KEY,
        ALERTS_INCIDENT,
        Index("ix_alerts_status_id", "status", "id"),
    )


class SeenSignature(Base):
    """A signed webhook request taken: its signature is refused again while its timestamp
    could still pass (`services/ingest/replays`). `key` is `<integration id>:<v1 hex>`."""

    __tablename__ = "seen_signatures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    seen_at: Mapped[datetime] = mapped_column(index=True)


class AckToken(Base):
    """A one-click acknowledge link sent with a page: hashed, expiring, usable once."""

    __tablename__ = "ack_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64))  # of the whole token; not unique
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    person: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    # Tokens read `<incident id>.<secret>`: found by incident, then hash. No index on
    # token_hash: one keyed by a random value costs a random page write per link. Links
    # from before 0007 (a bare secret) are found through AckTokenLegacy.
    __table_args__ = (Index("ix_ack_tokens_incident", "incident_id"),)


class AckTokenLegacy(Base):
    """A link sent before migration 0007, whose token is a bare secret with no incident id
    to find it by: its hash, the primary key here, leads to its ack_tokens row. Filled once,
    by 0007, with every link there at the upgrade; links made since never come here."""

    __tablename__ = "ack_tokens_legacy"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("ack_tokens.id"))


class DisabledContact(Base):
    """A contact method that failed permanently; paging skips it until an admin fixes it."""

    __tablename__ = "disabled_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person: Mapped[str] = mapped_column(String(80))
    url: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    disabled_at: Mapped[datetime]

    __table_args__ = (Index("ix_disabled_contacts_person", "person"),)


class PersonRow(Base):
    """A person added through the API/CLI (config-file people are not stored here).
    `role` and `password_hash` (argon2) let them sign in to the web UI; None means they cannot."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    timezone: Mapped[str] = mapped_column(String(64))
    contacts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    role: Mapped[str | None] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Moves on at sign-out and password change: sessions holding an older one are over.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(
            "role IS NULL OR role IN ('viewer','responder','admin')", name="ck_people_role"
        ),
    )


class TeamRow(Base):
    """A team added through the API/CLI: a name and its members' names."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    members: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ServerSecret(Base):
    """A secret the server generates once and keeps (e.g. the key that signs web sessions)."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class DemoMessage(Base):
    """A message sent to a demo contact (`demo://inbox/NAME`): the demo's inbox, shown at
    /demo/inbox. Only the demo's config has such contacts."""

    __tablename__ = "demo_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime]
from warroom.db import audit as _audit  # noqa: E402, F401  (the audit trail)
from warroom.db import learning  # noqa: E402, F401  (post-mortems and action items)
from warroom.db import operations as _operations  # noqa: E402, F401  (its tables join Base)
from warroom.db import status_models as status_models  # noqa: E402  (registers its tables)


class ScheduleOverride(Base):
    """Someone covers a schedule from `start_at` to `end_at` (made through the UI, CLI or
    API; the config's layers stay the source of the rotation). Removing one keeps the row,
    with who removed it and when."""

    __tablename__ = "schedule_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    schedule: Mapped[str] = mapped_column(String(80))
    person: Mapped[str] = mapped_column(String(80))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    removed_by: Mapped[str | None] = mapped_column(String(120))
    removed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_schedule_overrides_schedule_end", "schedule", "end_at"),)


class CalendarLink(Base):
    """A private, read-only iCalendar URL of one person's shifts: only its hash is kept;
    revoking it ends the URL."""

    __tablename__ = "calendar_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person: Mapped[str] = mapped_column(String(80), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
