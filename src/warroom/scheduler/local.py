"""Running the handlers of claimed jobs that stay inside the database (reminders, pages),
and drafting, before the transaction, the work of those whose kind can be drafted.

Most handlers cannot fail half-way, so a batch runs with no savepoint per job: one that
raises fails the whole attempt, the caller rolls the transaction back and runs the batch
again carefully, each job in its own savepoint, so the failed job is recorded and retried
with backoff while the others are done."""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta
from itertools import groupby

from sqlalchemy.orm import Session

from warroom.db.engine import Database
from warroom.scheduler.handlers import DRAFTERS, HANDLERS, Drafts
from warroom.services import jobs
from warroom.services.context import Context

log = logging.getLogger("warroom.worker")


def draft(db: Database, ctx: Context, *, limit: int) -> Drafts:
    """Drafts, by job id, of the jobs due now whose kind has a drafter (paging), made from
    a read before the transaction that will claim and run them, so that what they do
    under the write lock is mostly what must be done there. Drafting only saves time:
    when it fails, the handlers draft under the lock."""
    try:
        with db.read() as session:
            due = jobs.peek(session, kinds=list(DRAFTERS), now=ctx.clock.now(), limit=limit)
            drafts: dict[int, object] = {}
            for batch in _batches(due, careful=False):
                drafts |= DRAFTERS[batch[0].kind](session, ctx, batch)
            return drafts
    except Exception:
        log.warning("drafting due jobs failed; they are drafted as they run", exc_info=True)
        return {}


def run(
    session: Session,
    ctx: Context,
    claimed: list[jobs.Claimed],
    *,
    worker: str,
    careful: bool,
    drafts: Drafts,
) -> None:
    """Run these claimed jobs and mark them done (a handler takes its jobs' `drafts`).
    Not `careful`: jobs of one kind in a row go to their handler as one batch, and the
    first failure is raised. `careful`: each job alone in a savepoint, a failure recorded
    on its row."""
    done = []
    for batch in _batches(claimed, careful=careful):
        if not careful:
            _handle(session, ctx, batch, drafts)
            done += [job.id for job in batch]
            continue
        try:
            with session.begin_nested():
                _handle(session, ctx, batch, drafts)
        except Exception as exc:  # a job's failure is data on its row
            [job] = batch
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
        done += [job.id for job in batch]
    jobs.finish(session, done, worker=worker, now=ctx.clock.now())


def _batches(claimed: list[jobs.Claimed], *, careful: bool) -> list[list[jobs.Claimed]]:
    """Runs of jobs of one kind, in the order claimed (each job alone when `careful`)."""
    if careful:
        return [[job] for job in claimed]
    return [list(run) for _, run in groupby(claimed, key=lambda job: job.kind)]


def _handle(session: Session, ctx: Context, batch: list[jobs.Claimed], drafts: Drafts) -> None:
    handler = HANDLERS.get(batch[0].kind)
    if handler is None:
        raise LookupError(f"no handler for job kind {batch[0].kind!r}")
    handler(session, ctx, batch, drafts)
