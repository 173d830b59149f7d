"""The worker: runs due jobs from the database, woken at once by a commit that adds one.

A pass is one transaction: write down how the last pass's messages went, claim a batch
of due jobs in one statement, run them (jobs of one kind as one batch, with no savepoint
unless one fails), and claim the deliveries they queued, so a page goes out in the pass
that runs it. After the commit the messages are sent, several at once. A big backlog
makes big passes; a quiet one, passes of one job.

Before its transaction a pass drafts the due pages from a read (whom they reach, their
messages rendered), so the write lock is held mostly for the writing. A page added while
the pass waits for the lock, or whose incident changed since its draft, is drafted under
it.

In one process, a commit that scheduled a job sets an event the loop waits on; a job
another process scheduled wakes it through `scheduler/wakeups` (NOTIFY on PostgreSQL,
SQLite's data_version). A poll every second is the safety net either way.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from warroom.db.engine import Database
from warroom.scheduler import local, outbound, upstreams
from warroom.scheduler.handlers import Drafts
from warroom.scheduler.probing import ProbePool
from warroom.scheduler.sending import SendPool
from warroom.scheduler.wakeups import CHANNEL, watch_others
from warroom.services import jobs, retention
from warroom.services.checks import runs as check_runs
from warroom.services.context import Context
from warroom.services.duties import board as duty_board
from warroom.services.paging import deliveries, handoffs

log = logging.getLogger("warroom.worker")
POLL_SECONDS = 1.0
BATCH = 500  # jobs claimed and done in one transaction at most


def install_wakeup(db: Database, wake: threading.Event, *, tell_others: bool = True) -> None:
    """After a commit that scheduled a job, wake the workers: this process's at once, and
    on PostgreSQL, unless told not to, other processes' by NOTIFY. A process that runs its
    own worker need not tell others (that worker takes the job at once; the others' poll
    is the safety net), which saves the change a round trip."""
    if tell_others and not db.is_sqlite:

        @event.listens_for(db.write, "before_commit")
        def _notify(session: Session) -> None:
            if session.info.get(jobs.WAKE_FLAG):
                session.execute(text(f"NOTIFY {CHANNEL}"))

    jobs.on_scheduled(db, wake.set)


class Worker:
    def __init__(
        self,
        db: Database,
        ctx: Context,
        *,
        wake: threading.Event | None = None,
        alone: bool = False,
    ):
        self.db = db
        self.ctx = ctx
        self.alone = alone  # no server in this process: every job comes from elsewhere
        self.wake = wake or threading.Event()
        self.name = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.stopping = threading.Event()
        self.sender = SendPool(ctx.clock)
        self.unrecorded: list[outbound.Outcome] = []  # sent; written down by the next pass
        self.probes = ProbePool(db, ctx)  # health checks, run after the commit that starts them
        self.probes.install()

    def run_due(self, limit: int = 2000) -> int:
        """Run every job due now (up to about `limit`) and record every message sent;
        returns how many jobs this worker ran."""
        done = 0
        while done < limit:
            ran = self.run_pass(min(BATCH, limit - done))
            done += ran
            if ran == 0 and not self.unrecorded:
                break
        return done

    def run_pass(self, limit: int) -> int:
        """One pass, one transaction: record how the last pass's messages went, claim up
        to `limit` due jobs and run them; then, with no transaction open, send the
        messages they (and due deliveries) make. Returns how many jobs it ran."""
        drafts = local.draft(self.db, self.ctx, limit=limit)
        try:
            ran, sends = self._record_claim_and_run(limit, drafts, careful=False)
        except Exception:  # a handler failed: again, each job in its own savepoint
            log.debug("a job failed; running its batch again job by job", exc_info=True)
            try:
                ran, sends = self._record_claim_and_run(limit, drafts, careful=True)
            except Exception:  # the sends stay leased: sent again when the leases end
                self.unrecorded = []
                raise
        self.unrecorded = self.sender.send_all(sends) if sends else []
        return ran

    def _record_claim_and_run(
        self, limit: int, drafts: Drafts, *, careful: bool
    ) -> tuple[int, list[outbound.Send]]:
        """Done once or not at all. Every job due is claimed, those added while this
        worker waited for the write lock too (they are drafted under it: leaving them to
        the next pass made them later than drafting them here costs). The deliveries the
        handlers queue are claimed in the same transaction (a page goes out in this pass,
        not the next), to be sent after the commit."""
        with self.db.write.begin() as session:
            outbound.record(session, self.ctx, self.unrecorded, worker=self.name)
            now = self.ctx.clock.now()
            claimed = jobs.claim(session, worker=self.name, now=now, limit=limit)
            work = [j for j in claimed if j.kind not in outbound.KINDS]
            local.run(session, self.ctx, work, worker=self.name, careful=careful, drafts=drafts)
            now = self.ctx.clock.now()
            if work and len(claimed) < limit and session.info.get(jobs.WAKE_FLAG):
                claimed += jobs.claim(
                    session,
                    worker=self.name,
                    now=now,
                    limit=limit - len(claimed),
                    kind=deliveries.DELIVER,
                )
            elif not work and len(claimed) < limit:  # nothing queued here: wake nobody
                session.info.pop(jobs.WAKE_FLAG, None)
            sending = [j for j in claimed if j.kind in outbound.KINDS]
            sends = outbound.prepare(session, self.ctx, sending, worker=self.name, now=now)
        return len(claimed), sends

    def _seconds_to_next(self) -> float:
        with self.db.read() as session:
            due = jobs.next_due_at(session)
        if due is None:
            return POLL_SECONDS
        wait = (due - self.ctx.clock.now()).total_seconds()
        return max(0.0, min(POLL_SECONDS, wait))

    def plan(self) -> None:
        """Plan the work that comes from the config, not from a change: handoff notices,
        and the daily purge of what is past keeping."""
        with self.db.write.begin() as session:
            now = self.ctx.clock.now()
            handoffs.plan(session, ctx=self.ctx, now=now)
            retention.plan(session, ctx=self.ctx, now=now)
            check_runs.plan(session, ctx=self.ctx, now=now)
            duty_board.plan(session, ctx=self.ctx, now=now)

    def loop(self) -> None:
        others = watch_others(
            self.db, self.wake, self.ctx.clock, poll_seconds=POLL_SECONDS, alone=self.alone
        )
        self.probes.start()
        try:
            try:
                self.plan()
            except Exception:  # the database may be restarting: the next start plans it
                log.exception("planning handoff notices failed")
            while not self.stopping.is_set():
                # Cleared before looking, so a job committed while we look still wakes us.
                self.wake.clear()
                try:
                    self.run_due()
                    upstreams.poll_due(self.db, self.ctx)  # vendors' status pages, if due
                    timeout = self._seconds_to_next()
                except Exception:  # the database may be restarting: keep going
                    log.exception("worker tick failed; retrying")
                    timeout = POLL_SECONDS
                self.wake.wait(timeout)
        finally:
            self.probes.stop()
            if others:
                others.stop()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.loop, name="warroom-worker", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
