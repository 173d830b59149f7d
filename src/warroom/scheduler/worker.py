"""The worker: runs due jobs from the database, woken at once by a commit that adds one.

In one process, a commit that scheduled a job sets an event the loop waits on. Across
processes on PostgreSQL, the same commit sends NOTIFY and the loop LISTENs. A poll every
second is the safety net either way.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from warroom.db.engine import Database
from warroom.db.models import Job
from warroom.notifiers import TransportError
from warroom.scheduler import outbound
from warroom.services import handoffs, jobs
from warroom.services.bundles import Batch
from warroom.services.context import Context
from warroom.services.reminders import HANDLERS

log = logging.getLogger("warroom.worker")
CHANNEL = "warroom_jobs"
POLL_SECONDS = 1.0
BATCH = 20  # jobs claimed and done in one transaction


def install_wakeup(db: Database, wake: threading.Event) -> None:
    """After a commit that scheduled a job, wake the workers (here and elsewhere)."""

    @event.listens_for(db.write, "before_commit")
    def _notify(session: Session) -> None:
        if session.info.get(jobs.WAKE_FLAG) and not db.is_sqlite:
            session.execute(text(f"NOTIFY {CHANNEL}"))

    @event.listens_for(db.write, "after_commit")
    def _wake(session: Session) -> None:
        if session.info.pop(jobs.WAKE_FLAG, False):
            wake.set()

    @event.listens_for(db.write, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(jobs.WAKE_FLAG, None)


class Worker:
    def __init__(self, db: Database, ctx: Context, *, wake: threading.Event | None = None):
        self.db = db
        self.ctx = ctx
        self.wake = wake or threading.Event()
        self.name = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.stopping = threading.Event()

    def run_due(self, limit: int = 100) -> int:
        """Run every job due now; returns how many this worker ran."""
        done = 0
        while done < limit:
            with self.db.read() as session:
                ids = jobs.candidates(session, now=self.ctx.clock.now(), limit=BATCH)
            if not ids:
                break
            ran = self._run_batch(ids)
            if ran == 0:
                break
            done += ran
        return done

    def _run_batch(self, ids: list[int]) -> int:
        """Claim and do these jobs in one transaction, each in its own savepoint (one that
        fails is recorded as failed and undoes nothing else): done once or not at all.
        Outbound jobs are only claimed here; they are sent after the claims commit, and
        how each went is recorded in one more transaction."""
        ran = 0
        sends: list[tuple[Batch, str | None]] = []
        with self.db.write.begin() as session:
            for job_id in ids:
                now = self.ctx.clock.now()
                job = jobs.claim(session, job_id, worker=self.name, now=now)
                if job is None:
                    continue  # another worker got there first
                ran += 1
                if job.kind not in outbound.KINDS:
                    self._run_local(session, job, now)
                    continue
                claimed = outbound.claim_batch(session, self.ctx, job, worker=self.name, now=now)
                if claimed is not None:
                    sends.append(claimed)
        if sends:
            results = [(batch, self._send(batch, url)) for batch, url in sends]
            with self.db.write.begin() as session:
                for batch, error in results:
                    outbound.record(session, self.ctx, batch, worker=self.name, error=error)
        return ran

    def _run_local(self, session: Session, job: Job, now: datetime) -> None:
        handler = HANDLERS.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            with session.begin_nested():
                handler(session, self.ctx, job)
        except Exception as exc:  # a job's failure is data on its row
            log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
            jobs.fail(
                session,
                job,
                now=now,
                error="".join(traceback.format_exception(exc)),
                retry_in=timedelta(seconds=min(600, 2**job.attempts)),
            )
            return
        jobs.finish(session, job, now=now)

    def _send(self, batch: Batch, url: str | None) -> TransportError | None:
        """Send with no transaction open; the error, if any, is recorded after."""
        try:
            outbound.send(batch.payload, url, now=self.ctx.clock.now())
        except TransportError as exc:
            return exc
        except Exception as exc:  # a bug in a transport must not stop the worker
            return TransportError(f"{type(exc).__name__}: {exc}")
        return None

    def _seconds_to_next(self) -> float:
        with self.db.read() as session:
            due = jobs.next_due_at(session)
        if due is None:
            return POLL_SECONDS
        wait = (due - self.ctx.clock.now()).total_seconds()
        return max(0.0, min(POLL_SECONDS, wait))

    def plan(self) -> None:
        """Plan the work that comes from the config, not from a change: handoff notices."""
        with self.db.write.begin() as session:
            handoffs.plan(session, ctx=self.ctx, now=self.ctx.clock.now())

    def loop(self) -> None:
        listener = _Listener(self.db, self.wake) if not self.db.is_sqlite else None
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
                    timeout = self._seconds_to_next()
                except Exception:  # the database may be restarting: keep going
                    log.exception("worker tick failed; retrying")
                    timeout = POLL_SECONDS
                self.wake.wait(timeout)
        finally:
            if listener:
                listener.stop()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.loop, name="warroom-worker", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()


class _Listener:
    """LISTEN on PostgreSQL so a job scheduled by another process wakes this one."""

    def __init__(self, db: Database, wake: threading.Event) -> None:
        self.db = db
        self.wake = wake
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._listen, name="warroom-listen", daemon=True)
        self.thread.start()

    def _listen(self) -> None:
        import psycopg

        url = self.db.engine.url.set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        while not self.stopping.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    while not self.stopping.is_set():
                        for _ in conn.notifies(timeout=POLL_SECONDS, stop_after=1):
                            self.wake.set()
            except Exception as exc:
                log.warning("LISTEN connection lost (%s); retrying", exc)
                self.stopping.wait(POLL_SECONDS)

    def stop(self, *_: Any) -> None:
        self.stopping.set()
