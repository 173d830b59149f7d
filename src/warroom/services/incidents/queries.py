"""Reading incidents: filtered, newest first, in pages addressed by a cursor."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, Text, and_, bindparam, cast, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from warroom.db.models import Alert, Incident
from warroom.domain.incidents import OPEN_STATUSES, ORDER, Status, parse_ref, parse_status
from warroom.errors import Invalid
from warroom.services.context import Context
from warroom.services.incidents.lifecycle import MAX_ID

MAX_LIMIT = 200
REF_LIKE = re.compile(r"(?:inc-)?[0-9]{1,9}", re.IGNORECASE)

# The open statuses are written into the SQL, not bound as parameters, so that the planner
# can match the partial `WHERE status IN (...)` indexes (SQLite never matches bound values).
OPEN_LITERAL: BindParameter[list[str]] = bindparam(
    "open_statuses", [s.value for s in OPEN_STATUSES], expanding=True, literal_execute=True
)


@dataclass(frozen=True)
class Page:
    items: list[Incident]
    next_cursor: str | None


def _parse_cursor(cursor: str | None) -> int | None:
    if cursor in (None, ""):
        return None
    if not (cursor.isascii() and cursor.isdigit()) or int(cursor) > MAX_ID:
        raise Invalid(f"cursor {cursor!r} is not one this server gave out.", field="cursor")
    return int(cursor)


def _matching(query: Select[Incident], text: str, plain_like: bool) -> Select[Incident]:
    """Title contains the text (any case), or the text is the incident's reference."""
    words = text.strip()
    if "\x00" in words:
        raise Invalid("text must not contain NUL characters.", field="q")
    if not words:
        return query
    match = or_(
        _contains(Incident.title, words, plain_like),
        Incident.id.in_(_alerts_matching(words, plain_like)),
    )
    ref = parse_ref(words) if REF_LIKE.fullmatch(words) else None
    return query.where(or_(match, Incident.id == ref) if ref and ref <= MAX_ID else match)


def _status_filter(text: str) -> Status:
    """A status to list by; the refusal names `open` and `all` too."""
    try:
        return parse_status(text)
    except Invalid:
        known = ", ".join(["open", "all", *ORDER])
        raise Invalid(f"status {text!r} is not one of {known}.", field="status") from None
def _contains(column: Any, words: str, plain_like: bool) -> Any:
    """The column contains the words, in any case. SQLite's LIKE already ignores case as
    far as its lower() goes (ASCII), so there a plain LIKE says the same for half the
    work of lower() on every row; elsewhere, lower() on both sides."""
    if not plain_like:
        return column.icontains(words, autoescape=True)
    escaped = words.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return column.like(f"%{escaped}%", escape="/")


def _alerts_matching(words: str, plain_like: bool) -> Select[Any]:
    """The incidents whose alerts carry the text in a label (name or value, e.g. the host
    or the alertname) or as their source."""
    return select(Alert.incident_id).where(
        Alert.incident_id.is_not(None),
        or_(
            _contains(cast(Alert.labels, Text), words, plain_like),
            _contains(Alert.source, words, plain_like),
        ),
    )


def _filtered(
    ctx: Context,
    status: str,
    severity: str | None,
    service: str | None,
    text: str | None = None,
    plain_like: bool = False,
) -> Select[Incident]:
    query = select(Incident)
    wanted = status.strip().lower()
    if wanted == "open":
        query = query.where(Incident.status.in_(OPEN_LITERAL))
    elif wanted != "all":
        query = query.where(Incident.status == _status_filter(wanted).value)
    if severity:
        query = query.where(Incident.severity == ctx.config.severity(severity).id)
    if service:
        if "\x00" in service:
            raise Invalid("service must not contain NUL characters.", field="service")
        query = query.where(Incident.service == service)
    return _matching(query, text, plain_like) if text else query


def list_incidents(
    session: Session,
    *,
    ctx: Context,
    status: str = "all",
    severity: str | None = None,
    service: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
    text: str | None = None,
    by_declared: bool = False,
) -> Page:
    """`by_declared`: the latest declared first, instead of the latest written."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
    sqlite = session.get_bind().dialect.name == "sqlite"
    query = _filtered(ctx, status, severity, service, text, plain_like=sqlite)
    if by_declared:
        return _by_declared(session, query, limit, cursor)
    before = _parse_cursor(cursor)
    if before is not None:
        query = query.where(Incident.id < before)
    rows = list(session.scalars(query.order_by(Incident.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    items = rows[:limit]
    return Page(items=items, next_cursor=str(items[-1].id) if more and items else None)


def _by_declared(session: Session, query: Select[Incident], limit: int, cursor: str | None) -> Page:
    """The latest declared first (an incident recorded late falls in place); the cursor is
    `<declared_at in microseconds since 1970>.<id>` of the last one shown."""
    if cursor:
        micros, _, last_id = cursor.partition(".")
        if not (micros.isdigit() and last_id.isdigit() and len(micros) < 20):
            raise Invalid(f"cursor {cursor!r} is not one this server gave out.", field="cursor")
        at = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(micros))
        query = query.where(
            or_(
                Incident.declared_at < at,
                and_(Incident.declared_at == at, Incident.id < min(int(last_id), MAX_ID)),
            )
        )
    ordered = query.order_by(Incident.declared_at.desc(), Incident.id.desc()).limit(limit + 1)
    rows = list(session.scalars(ordered))
    items = rows[:limit]
    if len(rows) <= limit or not items:
        return Page(items=items, next_cursor=None)
    last = items[-1]
    micros_of = (last.declared_at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    return Page(items=items, next_cursor=f"{micros_of}.{last.id}")
