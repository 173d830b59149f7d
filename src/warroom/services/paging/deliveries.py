"""The notification outbox: one `deliver` job per message and contact, written in the
transaction of the change that caused it, sent by a worker after that commit.

A job names the person and the contact's id, never the URL itself (it may hold a token):
the worker looks the URL up in the directory when it claims the job. A contact's id is
an HMAC of its URL under a key of the server's (kept in `server_secrets`), so an id
cannot be checked against a guessed URL by anyone without the database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Collection
from datetime import datetime
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.clock import SystemClock
from warroom.config import WarroomConfig
from warroom.db.models import Job, ServerSecret
from warroom.db.queries.paging import DISABLED
from warroom.domain.incidents import ref_of
from warroom.domain.jobs import JobStatus
from warroom.domain.people import Person
from warroom.domain.redaction import channel_of, scrub
from warroom.errors import Invalid, NotFound
from warroom.services import audit, jobs
from warroom.services.context import Context
from warroom.services.directory import lookup
from warroom.services.incidents import timeline
from warroom.services.incidents.timeline import Kind
from warroom.services.paging import messages
from warroom.services.paging.messages import Text

DELIVER = "deliver"
SYSTEM = "warroom"


CONTACT_KEY = "contact_id_key"  # made by migration 0011


def _contact_key(session: Session) -> bytes:
    """The key, read once per session (a use case): never kept past its database."""
    found = session.info.get(CONTACT_KEY)
    if found is None:
        found = session.info[CONTACT_KEY] = _stored_key(session).encode()
    assert isinstance(found, bytes)
    return found


def _stored_key(session: Session) -> str:
    """The key; made here if the database lacks it (one emptied by hand, say)."""
    query = select(ServerSecret.value).where(ServerSecret.name == CONTACT_KEY)
    value = session.scalar(query)
    if value is not None:
        return value
    value = secrets.token_urlsafe(32)
    try:
        with session.begin_nested():
            now = SystemClock().now()
            session.add(ServerSecret(name=CONTACT_KEY, value=value, created_at=now))
    except IntegrityError:
        value = session.scalar(query)
        assert value is not None
    return value


@lru_cache(maxsize=4096)  # a storm pages the same few contacts thousands of times
def _keyed_id(key: bytes, url: str) -> str:
    return hmac.new(key, url.encode(), hashlib.sha256).hexdigest()[:16]


def contact_id(session: Session, url: str) -> str:
    """The id a contact is known by (in deliveries, `person ls`, enable-contact)."""
    return _keyed_id(_contact_key(session), url)


def _unkeyed_id(url: str) -> str:
    """The id of a delivery queued by a version before keyed ids (still taken)."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def find_contact(session: Session, config: WarroomConfig, person: str, wanted: str) -> str | None:
    """The contact URL a delivery names by its hash; None when it is no longer there."""
    if person.startswith("subscriber:"):  # a status page subscriber's message
        from warroom.services.status import subscribers

        return subscribers.find_contact(session, config, person, wanted)
    found = lookup.person(session, config, person)
    if found is None:
        return None
    return next(
        (u for u in found.contacts if wanted in (contact_id(session, u), _unkeyed_id(u))), None
    )


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
    session: Session,
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
                "contact": contact_id(session, url),
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
        session,
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
        error=scrub((job.last_error or "")[:500], None) or None,  # rows from before, too
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


def send_test(session: Session, *, ctx: Context, actor: str, name: str) -> int:
    """Queue a test message to every working contact of a person; returns how many."""
    person = lookup.person(session, ctx.config, name)
    if person is None:
        raise NotFound(f"There is no person named {name!r}.", field="person")
    text = messages.render("test", templates_dir=ctx.config.templates_dir, person=person.name)
    now = ctx.clock.now()
    audit.record(session, ctx=ctx, actor=actor, action="contact.test", subject=person.name)
    return enqueue(session, person=person, text=text, kind="test", incident_id=None, now=now)
