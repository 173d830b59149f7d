"""The audit trail's table (imported by models.py, so one metadata)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db.models import Base


class AuditEntry(Base):
    """One change to warroom's setup (people, teams, users, tokens, integrations, contacts,
    maintenance notes): who made it, when, what and to which thing. An incident's changes
    are on its timeline instead."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_audit_entries_at", "at"),)
