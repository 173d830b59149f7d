"""The audit trail: who changed warroom's setup, and when.

People, teams, users, tokens, integrations, contacts and maintenance notes change through
the API, the web pages and the CLI; each such use case records one entry in its own
transaction, naming the actor (a token's name, a signed-in user, `--by` on the CLI). An
incident's changes are on its timeline instead.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.audit import AuditEntry
from warroom.errors import Invalid
from warroom.services.context import Context

ACTOR_LIMIT = 120  # the column's width
SYSTEM = "warroom"  # the actor of what warroom sets up itself (the demo, built-in senders)


def record(session: Session, *, ctx: Context, actor: str, action: str, subject: str) -> None:
    """One entry: `actor` did `action` (e.g. `token.create`) to `subject` (its name)."""
    who = actor.strip()
    if not who or len(who) > ACTOR_LIMIT:
        raise Invalid(f"the actor must be 1 to {ACTOR_LIMIT} characters.", field="actor")
    session.add(AuditEntry(at=ctx.clock.now(), actor=who, action=action, subject=subject))


def recent(session: Session, *, limit: int = 100) -> list[AuditEntry]:
    """The newest entries first."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    return list(session.scalars(query))
