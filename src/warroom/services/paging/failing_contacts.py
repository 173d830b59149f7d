"""Contacts that fail: a send refused for good (a 4xx), or still failing when its retries
run out, disables the contact, notes it on the incident's timeline and tells the admins
(the config's `admins` targets) by their own contacts. Paging skips a disabled contact
and falls through to the person's other contacts and the policy's next step, until an
admin enables it again (or changes it: a new URL is a new contact)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from warroom.db.models import DisabledContact
from warroom.domain.incidents import ref_of
from warroom.errors import NotFound
from warroom.services import audit, jobs
from warroom.services.context import Context
from warroom.services.directory import lookup
from warroom.services.incidents import timeline
from warroom.services.incidents.timeline import Kind
from warroom.services.paging import deliveries, messages

SYSTEM = "warroom"
TOLD = "contact_failed"  # the admins' message; its own failures tell nobody (no loop)


def record_failure(
    session: Session,
    *,
    ctx: Context,
    job: jobs.Claimed,
    error: str,
    permanent: bool,
    final: bool,
) -> None:
    """Note a failed send. Once the delivery is given up (refused for good, or out of
    retries), its contact is disabled and the admins are told."""
    if not (permanent or final):
        return
    payload = job.payload
    person = payload["person"]
    url = deliveries.find_contact(session, ctx.config, person, payload["contact"])
    newly = url is not None and url not in deliveries.disabled_urls(session, person)
    now = ctx.clock.now()
    if newly:
        session.add(DisabledContact(person=person, url=url, reason=error[:2000], disabled_at=now))
    what = "refused for good" if permanent else f"still failing after {job.attempts} attempts"
    if job.incident_id is not None:
        line = timeline.entry(
            job.incident_id,
            kind=Kind.CONTACT_DISABLED if newly else Kind.DELIVERY_FAILED,
            actor=SYSTEM,
            at=now,
            now=now,
            text=f"Could not notify {person} by {payload['channel']} ({what}"
            + ("; contact disabled" if newly else "")
            + f"): {error[:300]}",
            data={"person": person, "channel": payload["channel"]},
        )
        timeline.append_all(session, [line])
    subscriber = person.startswith("subscriber:")  # a status page subscriber's own address
    if newly and payload.get("message") != TOLD and not subscriber:
        _tell_admins(session, ctx, job, error=error, what=what, now=now)


def _tell_admins(
    session: Session, ctx: Context, job: jobs.Claimed, *, error: str, what: str, now: datetime
) -> None:
    payload = job.payload
    names, _ = lookup.resolve(session, ctx.config, list(ctx.config.admins), now)
    incident = ref_of(job.incident_id) if job.incident_id is not None else None
    text = messages.render(
        TOLD,
        templates_dir=ctx.config.templates_dir,
        person=payload["person"],
        channel=payload["channel"],
        contact=payload["contact"],
        what=what,
        error=error[:500],
        incident=incident,
        incident_url=f"{ctx.public_url}/incidents/{incident}" if incident else None,
    )
    data = {"person": payload["person"], "channel": payload["channel"], "incident": incident}
    for name in names:
        admin = lookup.person(session, ctx.config, name)
        if admin is not None:
            deliveries.enqueue(
                session,
                person=admin,
                text=text,
                kind=TOLD,
                incident_id=job.incident_id,
                now=now,
                data=data,
            )


def enable(session: Session, *, ctx: Context, actor: str, person: str, contact: str) -> bool:
    """Let paging use a disabled contact again (`contact`: its id, as `person ls` shows
    it); False if it was not disabled."""
    if lookup.person(session, ctx.config, person) is None:
        raise NotFound(f"There is no person named {person!r}.", field="name")
    url = deliveries.find_contact(session, ctx.config, person, contact)
    if url is None:
        raise NotFound(f"{person!r} has no contact {contact!r}.", field="contact")
    rows = session.scalars(
        delete(DisabledContact)
        .where(DisabledContact.person == person, DisabledContact.url == url)
        .returning(DisabledContact.id)
    )
    was_disabled = bool(rows.all())
    if was_disabled:
        subject = f"{person} {contact}"
        audit.record(session, ctx=ctx, actor=actor, action="contact.enable", subject=subject)
    return was_disabled
