"""Jobs that talk to the outside world: claimed and committed first, sent with no
transaction open, then recorded. A crash mid-send leaves the jobs leased; once the lease
runs out they are sent again with the same Idempotency-Key (at least once).

Pages to one contact may go out together (see services/bundles.py): the worker claims
the batch, sends one message, and records every job of it."""

from __future__ import annotations

from datetime import datetime, timedelta
from random import uniform
from typing import Any

from sqlalchemy.orm import Session

from warroom.db.models import Job
from warroom.notifiers import Message, TransportError, transport_for
from warroom.services import bundles, deliveries, jobs
from warroom.services.context import Context

MAX_ATTEMPTS = 8  # with the backoff below: about 20 minutes of trying
KINDS = {deliveries.DELIVER}


def claim_batch(
    session: Session, ctx: Context, job: Job, *, worker: str, now: datetime
) -> tuple[bundles.Batch, str | None] | None:
    """The batch a claimed delivery goes out in and its contact URL; None when held."""
    batch = bundles.gather(session, job, window=ctx.config.bundle_window, worker=worker, now=now)
    if batch is None:
        return None
    person, contact = batch.payload["person"], batch.payload["contact"]
    return batch, deliveries.find_contact(session, ctx.config, person, contact)


def send(payload: dict[str, Any], url: str | None, *, now: datetime) -> None:
    """Send one message to the contact URL found when it was claimed."""
    if url is None:
        raise TransportError("this contact is no longer in the directory", permanent=True)
    message = Message(
        subject=payload["subject"],
        body=payload["body"],
        idempotency_key=payload["key"],
        data=payload.get("data", {}),
        sent_at=int(now.timestamp()),
    )
    transport_for(url).send(message)


def record(
    session: Session,
    ctx: Context,
    batch: bundles.Batch,
    *,
    worker: str,
    error: TransportError | None,
) -> None:
    """Write down how the send went, on every job of the batch this worker still holds."""
    now = ctx.clock.now()
    held = (session.get(Job, i, with_for_update=True) for i in batch.ids)
    mine = [j for j in held if j is not None and j.status == "running" and j.claimed_by == worker]
    if not mine:
        return  # our lease ran out and another worker took the jobs over
    if error is None:
        for job in mine:
            jobs.finish(session, job, now=now)
            deliveries.record_sent(session, ctx=ctx, job=job, together=len(batch.ids) - 1)
        bundles.start_window(session, batch.payload, window=ctx.config.bundle_window, now=now)
        return
    for job in mine:
        final = error.permanent or job.attempts >= MAX_ATTEMPTS
        jobs.fail(
            session,
            job,
            now=now,
            error=error.message,
            retry_in=backoff(job.attempts),
            give_up=final,
        )
        deliveries.record_failure(
            session, ctx=ctx, job=job, error=error.message, permanent=error.permanent, final=final
        )


def backoff(attempts: int) -> timedelta:
    """Exponential, capped at 10 minutes, with ±20% jitter so retries do not march."""
    base = min(600.0, 5.0 * 2 ** max(0, attempts - 1))
    return timedelta(seconds=base * uniform(0.8, 1.2))
