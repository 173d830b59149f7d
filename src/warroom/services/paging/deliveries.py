"""The notification outbox: one `deliver` job per message and contact, written in the
transaction of the change that caused it, sent by a worker after that commit.

A job names the person and a hash of the contact URL, never the URL itself (it may hold
a token): the worker looks the URL up in the directory when it claims the job.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config import WarroomConfig
from warroom.db.models import Job
from warroom.db.queries.paging import DISABLED
from warroom.domain.incidents import ref_of
from warroom.domain.jobs import JobStatus
from warroom.domain.people import Person
from warroom.errors import Invalid, NotFound
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.directory import lookup
from warroom.services.incidents import timeline
from warroom.services.incidents.timeline import Kind
from warroom.services.paging import messages
from warroom.services.paging.messages import Text

DELIVER = "deliver"
SYSTEM = "warroom"


@lru_cache(maxsize=4096)  # a storm pages the same few contacts thousands of times
def contact_id(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


HOST_IS_SECRET = ("slack", "discord", "msteams", "tgram", "ntfy", "pover", "pbul", "join")


@lru_cache(maxsize=4096)
def channel_of(url: str) -> str:
    """What a contact is, without its secrets: `slack`, `json (127.0.0.1:9999)`."""
    parts = urlsplit(url.removeprefix("webhook+"))
    scheme = "webhook" if url.startswith("webhook+") else parts.scheme
    return (
        f"{scheme} ({parts.hostname})"
        if parts.hostname and scheme not in HOST_IS_SECRET
        else scheme
    )


def find_contact(session: Session, config: WarroomConfig, person: str, wanted: str) -> str | None:
    """The contact URL a delivery names by its hash; None when it is no longer there."""
    found = lookup.person(session, config, person)
    return next((u for u in found.contacts if contact_id(u) == wanted), None) if found else None


def disabled_urls(session: Session, person: str) -> set[str]:
    return disabled_by_person(session, [person]).get(person, set())


def disabled_by_person(session: Session, people: list[str]) -> dict[str, set[str]]:
    """The disabled contact URLs of these people, in one query."""
    found: dict[str, set[str]] = {}
    if not people:
        return found
    for person, url in DISABLED.run(session.connection(), sorted(set(people))):
        found.setdefault(person, set()).add(url)
    return found


def messages_to(
    person: Person,
    *,
    text: Text,
    kind: str,
    incident_id: int | None,
    now: datetime,
    data: dict[str, Any] | None = None,
    skipped: Collection[str] = (),
) -> list[jobs.JobSpec]:
    """The delivery jobs of one message: one per contact of the person not in `skipped`."""
    return [
        jobs.JobSpec(
            DELIVER,
            now,
            incident_id,
            {
                "person": person.name,
                "contact": contact_id(url),
                "channel": channel_of(url),
                "message": kind,
                "subject": text.subject,
                "body": text.body,
                "data": data or {},
                "key": uuid.uuid4().hex,
            },
        )
        for url in person.contacts
        if url not in skipped
    ]


def enqueue(
    session: Session,
    *,
    person: Person,
    text: Text,
    kind: str,
    incident_id: int | None,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> int:
    """One delivery per working contact of the person; returns how many."""
    specs = messages_to(
        person,
        text=text,
        kind=kind,
        incident_id=incident_id,
        now=now,
        data=data,
        skipped=disabled_urls(session, person.name),
    )
    jobs.schedule_all(session, specs, now=now)
    return len(specs)


def sent_entry(job: jobs.Claimed, *, together: int, now: datetime) -> dict[str, Any] | None:
    """The timeline line for a sent message (`together`: others sent in the same one);
    None for a message of no incident."""
    if job.incident_id is None:
        return None
    payload = job.payload
    return timeline.entry(
        job.incident_id,
        kind=Kind.NOTIFIED,
        actor=SYSTEM,
        at=now,
        now=now,
        text=f"Notified {payload['person']} by {payload['channel']}: {payload['subject']}"
        + (f" (one message with {together} other page(s))" if together else ""),
        data={
            "person": payload["person"],
            "channel": payload["channel"],
            "message": payload["message"],
            "attempts": job.attempts,
            "bundled_with": together,
        },
    )


STATUSES = tuple(status.value for status in JobStatus)


class DeliveryRead(BaseModel):
    id: int
    incident: str | None
    person: str | None
    channel: str | None
    message: str | None
    subject: str | None
    status: str
    attempts: int
    due_at: datetime
    finished_at: datetime | None
    error: str | None


def describe(job: Job) -> DeliveryRead:
    payload = job.payload
    return DeliveryRead(
        id=job.id,
        incident=ref_of(job.incident_id) if job.incident_id else None,
        person=payload.get("person"),
        channel=payload.get("channel"),
        message=payload.get("message"),
        subject=payload.get("subject"),
        status=job.status,
        attempts=job.attempts,
        due_at=job.due_at,
        finished_at=job.finished_at,
        error=(job.last_error or "")[:500] or None,
    )


def list_deliveries(
    session: Session,
    *,
    incident_id: int | None = None,
    status: str | None = None,
    limit: int = 50,
) -> list[Job]:
    """The latest deliveries first, of one incident and in one state if asked."""
    if status is not None and status not in STATUSES:
        raise Invalid(f"status {status!r} is not one of {', '.join(STATUSES)}.", field="status")
    query = select(Job).where(Job.kind == DELIVER)
    if incident_id is not None:
        query = query.where(Job.incident_id == incident_id)
    if status is not None:
        query = query.where(Job.status == status)
    return list(session.scalars(query.order_by(Job.id.desc()).limit(limit)))


def send_test(session: Session, *, ctx: Context, name: str) -> int:
    """Queue a test message to every working contact of a person; returns how many."""
    person = lookup.person(session, ctx.config, name)
    if person is None:
        raise NotFound(f"There is no person named {name!r}.", field="person")
    text = messages.render("test", templates_dir=ctx.config.templates_dir, person=person.name)
    now = ctx.clock.now()
    return enqueue(session, person=person, text=text, kind="test", incident_id=None, now=now)
