"""Running the handlers of claimed jobs that stay inside the database (reminders, pages).

Most handlers cannot fail half-way, so a batch runs with no savepoint per job: one that
raises fails the whole attempt, the caller rolls the transaction back and runs the batch
again carefully, each job in its own savepoint, so the failed job is recorded and retried
with backoff while the others are done."""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta

from sqlalchemy.orm import Session

from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.reminders import HANDLERS

log = logging.getLogger("warroom.worker")


def run(
    session: Session, ctx: Context, claimed: list[jobs.Claimed], *, worker: str, careful: bool
) -> None:
    """Run these claimed jobs and mark them done. Not `careful`: the first failure is
    raised. `careful`: each job in a savepoint, a failure recorded on its row."""
    done = []
    for job in claimed:
        if not careful:
            _handle(session, ctx, job)
            done.append(job.id)
            continue
        try:
            with session.begin_nested():
                _handle(session, ctx, job)
        except Exception as exc:  # a job's failure is data on its row
            log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
            jobs.fail(
                session,
                job,
                worker=worker,
                now=ctx.clock.now(),
                error="".join(traceback.format_exception(exc)),
                retry_in=timedelta(seconds=min(600, 2**job.attempts)),
            )
            continue
        done.append(job.id)
    jobs.finish(session, done, worker=worker, now=ctx.clock.now())


def _handle(session: Session, ctx: Context, job: jobs.Claimed) -> None:
    handler = HANDLERS.get(job.kind)
    if handler is None:
        raise LookupError(f"no handler for job kind {job.kind!r}")
    handler(session, ctx, job)
