"""Jobs that talk to the outside world: claimed and committed first, sent with no
transaction open, then recorded. A crash mid-send leaves the jobs leased; once the lease
runs out they are sent again with the same Idempotency-Key (at least once).

Pages to one contact may go out together (see services/paging/bundles.py): the worker claims
the batch, sends one message, and records every job of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from random import uniform

from sqlalchemy.orm import Session

from warroom.domain import redaction
from warroom.notifiers import Message, TransportError, transport_for
from warroom.notifiers.webhook import split_secret
from warroom.services import demo_inbox, jobs
from warroom.services.context import Context
from warroom.services.incidents import timeline
from warroom.services.paging import bundles, deliveries, failing_contacts
from warroom.services.status import subscribers, webhook_hosts

MAX_ATTEMPTS = 8  # with the backoff below: about 10 minutes of trying (5 s doubling to 320 s)
KINDS = {deliveries.DELIVER}


@dataclass(frozen=True, slots=True)
class Send:
    """One message to send: its batch of claimed deliveries and the contact URL found
    when they were claimed (None when the contact is no longer in the directory)."""

    batch: bundles.Batch
    url: str | None
    public_only: bool = False  # a subscriber's webhook: its host is checked before sending


@dataclass(frozen=True, slots=True)
class Outcome:
    send: Send
    error: TransportError | None


def prepare(
    session: Session, ctx: Context, claimed: list[jobs.Claimed], *, worker: str, now: datetime
) -> list[Send]:
    """The messages these claimed deliveries go out in (those held for a bundling window
    are given back, and pages due to the same contact join them)."""
    sends = []
    window = ctx.config.bundle_window
    for group in bundles.groups(claimed, window=window):
        batch = bundles.gather(session, group, window=window, worker=worker, now=now)
        if batch is None:
            continue
        person, contact = batch.payload["person"], batch.payload["contact"]
        url = deliveries.find_contact(session, ctx.config, person, contact)
        public_only = (
            person.startswith(subscribers.PERSON)
            and batch.payload.get("channel") == "webhook"
            and not ctx.config.status_page.allow_private_webhooks
        )
        sends.append(Send(batch, url, public_only))
    return sends


def send(item: Send, *, now: datetime) -> Outcome:
    """Send one message with no transaction open; how it went, never an exception."""
    try:
        if item.url is None:
            raise TransportError("this contact is no longer in the directory", permanent=True)
        if item.public_only and (why := webhook_hosts.refusal(split_secret(item.url)[0])):
            raise TransportError(why)  # tried again later: the name may resolve elsewhere
        payload = item.batch.payload
        message = Message(
            subject=payload["subject"],
            body=payload["body"],
            idempotency_key=payload["key"],
            data=payload.get("data", {}),
            sent_at=int(now.timestamp()),
        )
        transport_for(item.url, public_only=item.public_only).send(message)
    except TransportError as exc:
        return Outcome(item, _told(exc, item.url))
    except Exception as exc:  # a bug in a transport must not stop the worker
        return Outcome(item, _told(TransportError(f"{type(exc).__name__}: {exc}"), item.url))
    return Outcome(item, None)


def _told(error: TransportError, url: str | None) -> TransportError:
    """The failure as it is stored and shown (deliveries, the timeline, /people, the
    admins' message): naming the channel, never the contact's URL or its secrets."""
    return TransportError(redaction.scrub(error.message, url), permanent=error.permanent)


def record(session: Session, ctx: Context, outcomes: list[Outcome], *, worker: str) -> None:
    """Write down how the sends went, on every job this worker still holds (its lease may
    have run out and another worker taken the jobs over), in one transaction."""
    if not outcomes:
        return
    now = ctx.clock.now()
    sent = [o.send.batch for o in outcomes if o.error is None]
    done = jobs.finish(session, [j.id for b in sent for j in b.members], worker=worker, now=now)
    demo_inbox.keep(
        session,
        (
            (o.send.url, o.send.batch.payload)
            for o in outcomes
            if o.error is None and any(job.id in done for job in o.send.batch.members)
        ),
        now=now,
    )
    lines = [
        deliveries.sent_entry(job, together=len(batch.members) - 1, now=now)
        for batch in sent
        for job in batch.members
        if job.id in done
    ]
    timeline.append_all(session, [line for line in lines if line is not None])
    jobs.forget_messages(session, sorted(done))
    for batch in sent:
        if any(job.id in done for job in batch.members):
            bundles.start_window(session, batch.payload, window=ctx.config.bundle_window, now=now)
    for outcome in outcomes:
        if outcome.error is not None:
            _record_failure(session, ctx, outcome.send.batch, outcome.error, worker=worker)


def _record_failure(
    session: Session, ctx: Context, batch: bundles.Batch, error: TransportError, *, worker: str
) -> None:
    now = ctx.clock.now()
    for job in batch.members:
        final = error.permanent or job.attempts >= MAX_ATTEMPTS
        failed = jobs.fail(
            session,
            job,
            worker=worker,
            now=now,
            error=error.message,
            retry_in=backoff(job.attempts),
            give_up=final,
        )
        if failed and final:
            jobs.forget_messages(session, [job.id])
        if failed:
            failing_contacts.record_failure(
                session,
                ctx=ctx,
                job=job,
                error=error.message,
                permanent=error.permanent,
                final=final,
            )


def backoff(attempts: int) -> timedelta:
    """Exponential, capped at 10 minutes, with ±20% jitter so retries do not march."""
    base = min(600.0, 5.0 * 2 ** max(0, attempts - 1))
    return timedelta(seconds=base * uniform(0.8, 1.2))
