"""Tables of health checks, checklists and duties (imported by models.py, so one metadata)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db.models import Base


class CheckState(Base):
    """Where each health check stands: its state and its current runs of results."""

    __tablename__ = "check_states"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    state: Mapped[str] = mapped_column(String(12), default="unknown")
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row
    successes: Mapped[int] = mapped_column(Integer, default=0)  # in a row
    changed_at: Mapped[datetime | None]
    last_at: Mapped[datetime | None]


class CheckResult(Base):
    """One run of a health check: kept for uptime and the status page bars."""

    __tablename__ = "check_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    check_name: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime]  # when it started
    due_at: Mapped[datetime]  # when it was due to start
    ok: Mapped[bool] = mapped_column(Boolean)
    latency_ms: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_check_results_name_at", "check_name", "at"),)


class CheckDay(Base):
    """A check's runs and passes on one UTC day: uptime without reading every result."""

    __tablename__ = "check_days"

    check_name: Mapped[str] = mapped_column(String(80), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # 2026-11-02
    runs: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[int] = mapped_column(Integer, default=0)


class ChecklistSet(Base):
    """A checklist's items as incidents were given them, stored once per distinct list:
    `id` is a digest of the items (domain/checklists.py `digest`). Rows are never changed."""

    __tablename__ = "checklist_sets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class ChecklistTick(Base):
    """An item of an incident's checklist that a person ticked."""

    __tablename__ = "checklist_ticks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    phase: Mapped[str] = mapped_column(String(12))
    item_key: Mapped[str] = mapped_column(String(60))
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("incident_id", "phase", "item_key", name="ux_checklist_ticks_item"),
    )


class DutyRecord(Base):
    """A recurring duty done for one period, and by whom."""

    __tablename__ = "duty_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    duty: Mapped[str] = mapped_column(String(60))
    period: Mapped[str] = mapped_column(String(16))
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("duty", "period", name="ux_duty_records_period"),)
