"""The public status page's tables: publications, hand-set component statuses,
maintenance windows and their updates, subscribers (migration 0012); component
transitions, the link to a vendor's incident and subscribe attempts (0017)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db.models import Base


class Publication(Base):
    """An incident shown on the status page (with the title shown there)."""

    __tablename__ = "status_publications"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    title: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(120))


class ComponentChange(Base):
    """A component's status set by hand (`status` None: back to following incidents).
    Rows are only inserted: the latest per component is in force."""

    __tablename__ = "component_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    component: Mapped[str] = mapped_column(String(80))
    status: Mapped[str | None] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]

    __table_args__ = (Index("ix_component_changes_component_id", "component", "id"),)


class Maintenance(Base):
    """A planned window: its components are under maintenance from start to end."""

    __tablename__ = "maintenances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    components: Mapped[list[Any]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint(
            "status IN ('scheduled','in_progress','verifying','completed')",
            name="ck_maintenances_status",
        ),
        CheckConstraint("ends_at > starts_at", name="ck_maintenances_window"),
        Index("ix_maintenances_ends_at", "ends_at"),
    )


class MaintenanceUpdate(Base):
    __tablename__ = "maintenance_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    maintenance_id: Mapped[int] = mapped_column(ForeignKey("maintenances.id"))
    at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_maintenance_updates_maintenance", "maintenance_id", "at"),)


class Subscriber(Base):
    """Someone told of public updates: by email (once confirmed) or webhook. `token` is
    the secret of their confirm and unsubscribe links (and signs their webhooks)."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(500))
    components: Mapped[list[Any]] = mapped_column(JSON, default=list)  # empty: all
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("kind IN ('email','webhook')", name="ck_subscribers_kind"),
        Index("ux_subscribers_kind_address", "kind", "address", unique=True),
    )


class UpstreamState(Base):
    """What warroom last read of a vendor's status, and the incident it opened or noted."""

    __tablename__ = "upstream_states"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    status: Mapped[str] = mapped_column(String(24))
    fingerprint: Mapped[str] = mapped_column(Text, default="")
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    opened_by_us: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime]
    next_check_at: Mapped[datetime]
    vendor_link: Mapped[str] = mapped_column(Text, default="")  # their incident's page


class ComponentTransition(Base):
    """A component's status as the page shows it, each time it changes, hand-set or
    automatic, with its cause. `after_id` is the row it follows (0 for a component's
    first): unique per component, so two recorders never write the same change twice."""

    __tablename__ = "component_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    component: Mapped[str] = mapped_column(String(80))
    after_id: Mapped[int] = mapped_column(Integer, default=0)
    previous: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(24))
    cause_kind: Mapped[str] = mapped_column(String(16))
    cause: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime]
    recorded_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint(
            "cause_kind IN ('incident','maintenance','upstream','person','none')",
            name="ck_component_transitions_cause_kind",
        ),
        Index("ux_component_transitions_chain", "component", "after_id", unique=True),
        Index("ix_component_transitions_at", "at"),
    )


class SubscribeAttempt(Base):
    """How many subscribe requests a client address made in one window (a minute, from
    `window_start`): the limit holds for every process on the database."""

    __tablename__ = "subscribe_attempts"

    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_subscribe_attempts_window_start", "window_start"),)
