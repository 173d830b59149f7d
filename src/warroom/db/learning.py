"""Tables of what a team learns after an incident: post-mortems, their versions, and
action items. Registered on `models.Base` (models.py imports this module)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db.models import Base, Event

# The incidents whose updates fell behind their cadence, for the reports' SLA figure: a
# partial index, so only those few reminder events pay for it, never the alert storms.
OVERDUE_UPDATES = Index(
    "ix_events_update_overdue",
    Event.incident_id,
    sqlite_where=text("kind = 'update_overdue'"),
    postgresql_where=text("kind = 'update_overdue'"),
)


class Postmortem(Base):
    """One incident's post-mortem: the current text; every edit is a PostmortemVersion."""

    __tablename__ = "postmortems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    state: Mapped[str] = mapped_column(String(12))
    body: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(120))  # of the latest version
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    published_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("state IN ('draft','in_review','published')", name="ck_postmortems_state"),
    )


class PostmortemVersion(Base):
    """A post-mortem as one edit (or a change of state) left it. Only ever inserted."""

    __tablename__ = "postmortem_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id"))
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12))
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ux_postmortem_versions_number", "postmortem_id", "number", unique=True),
    )


class ActionItem(Base):
    """Work that comes out of an incident, with an owner and a due date."""

    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))
    due_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    reminders: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # sent

    __table_args__ = (
        CheckConstraint(
            "kind IN ('prevent','detect','mitigate','process')", name="ck_action_items_kind"
        ),
        CheckConstraint("status IN ('open','done','dropped')", name="ck_action_items_status"),
        Index("ix_action_items_incident", "incident_id"),
        Index("ix_action_items_status_due", "status", "due_at"),
        Index("ix_action_items_owner_status", "owner", "status"),
    )
