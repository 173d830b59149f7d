"""Queueing messages about incidents to people: each rendered from its template (a page
with a one-click acknowledge link), each going out as one delivery job per working
contact. Many at once: the people and their disabled contacts are read once, and the
links and the jobs are each written with one INSERT."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warroom.db.models import Incident
from warroom.domain.incidents import Status, ref_of
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.directory import lookup
from warroom.services.paging import ack_links, deliveries, messages

WITH_ACK_LINK = ("page", "escalated", "ack_overdue")


@dataclass(frozen=True, slots=True)
class Notice:
    """A `kind` message about an incident to these people, with template values."""

    incident: Incident
    names: list[str]
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Composed:
    """One person's message of a notice: its text, its structured form (for webhooks) and
    the token of its acknowledge link (None: no link). The token is stored when the
    message is queued."""

    text: messages.Text
    data: dict[str, Any]
    token: str | None


def _links(notice: Notice, kind: str) -> bool:
    return kind in WITH_ACK_LINK and notice.incident.status == Status.TRIGGERED


def compose(ctx: Context, kind: str, notice: Notice, names: list[str]) -> dict[str, Composed]:
    """The messages of a notice to these of its people. Reads nothing from the database,
    so it may run before the transaction that queues them (the worker drafts pages so)."""
    made = {}
    for name in names:
        token = ack_links.mint(notice.incident.id) if _links(notice, kind) else None
        link = f"{ctx.public_url}/ack/{token}" if token else None
        text, data = _message(ctx, notice, kind=kind, ack_url=link)
        made[name] = Composed(text, data, token)
    return made


def queue(
    session: Session,
    *,
    ctx: Context,
    kind: str,
    notices: list[Notice],
    now: datetime,
    composed: list[dict[str, Composed]] | None = None,
) -> list[list[str]]:
    """Queue the messages (those `composed` already, one dict per notice, or composed
    here); for each notice, the people with a contact to reach."""
    names = {name for notice in notices for name in notice.names}
    people = {name: lookup.person(session, ctx.config, name) for name in names}
    skipped = deliveries.disabled_by_person(session, [n for n, p in people.items() if p])
    if composed is None:
        composed = [
            compose(ctx, kind, notice, [name for name in notice.names if people[name]])
            for notice in notices
        ]
    links: list[tuple[int, str]] = []
    tokens: list[str] = []
    specs: list[jobs.JobSpec] = []
    reached: list[list[str]] = []
    for notice, made in zip(notices, composed, strict=True):
        reached.append([])
        for name in notice.names:
            person = people[name]
            if person is None:
                continue
            message = made[name]
            if message.token is not None:
                links.append((notice.incident.id, name))
                tokens.append(message.token)
            sent = deliveries.messages_to(
                session,
                person,
                text=message.text,
                kind=kind,
                incident_id=notice.incident.id,
                now=now,
                data=message.data,
                skipped=skipped.get(name, set()),
            )
            specs += sent
            if sent:
                reached[-1].append(name)
    ack_links.issue_all(session, ctx=ctx, wanted=links, tokens=tokens)
    jobs.schedule_all(session, specs, now=now)
    return reached


def _message(
    ctx: Context, notice: Notice, *, kind: str, ack_url: str | None
) -> tuple[messages.Text, dict[str, Any]]:
    """The text of one message and its structured form (for webhooks)."""
    incident = notice.incident
    ref = ref_of(incident.id)
    text = messages.render(
        kind,
        templates_dir=ctx.config.templates_dir,
        incident=incident,
        ref=ref,
        level=ctx.config.severity(incident.severity),
        ack_url=ack_url,
        incident_url=f"{ctx.public_url}/incidents/{ref}",
        **notice.values,
    )
    data = {
        "incident": ref,
        "severity": incident.severity,
        "status": incident.status,
        "title": incident.title,
        "message": kind,
        "ack_url": ack_url,
    }
    return text, data
