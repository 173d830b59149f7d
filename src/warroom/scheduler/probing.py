"""The worker's probe pool: runs health checks after the commit that started them, with
no transaction open, and writes their results down in batches.

A commit whose `check.run` jobs queued probes (`runs.PROBES` in its session's info)
hands them to a pool of threads at once, so a slow check (up to its timeout) delays no
other. A recorder thread gathers finished probes and writes them in one transaction
every RECORD_EVERY seconds (or sooner when many wait)."""

from __future__ import annotations

import logging
import queue
import threading
import weakref
from concurrent.futures import Future, ThreadPoolExecutor, wait

from sqlalchemy import event
from sqlalchemy.orm import Session

from warroom.db.engine import Database
from warroom.services.checks import probes, runs
from warroom.services.context import Context

log = logging.getLogger("warroom.checks")
THREADS = 64  # checks in flight at once
RECORD_EVERY = 0.2  # seconds between writes of results
RECORD_BATCH = 500
PRUNE_EVERY = 600.0  # seconds between deletions of results past keeping


class ProbePool:
    def __init__(self, db: Database, ctx: Context) -> None:
        self.db = db
        self.ctx = ctx
        self.pool = ThreadPoolExecutor(THREADS, thread_name_prefix="warroom-probe")
        self.finished: queue.Queue[runs.Finished] = queue.Queue()
        self.stopping = threading.Event()
        self.recorder: threading.Thread | None = None
        self.running: set[Future[None]] = set()
        self.lock = threading.Lock()
        weakref.finalize(self, self.pool.shutdown, wait=False)

    def install(self) -> None:
        """Start probes after each commit that queued some (and forget them on rollback)."""

        @event.listens_for(self.db.write, "after_commit")
        def _committed(session: Session) -> None:
            for probe in session.info.pop(runs.PROBES, []):
                future = self.pool.submit(self._probe, probe)
                with self.lock:
                    self.running.add(future)
                future.add_done_callback(self._done)

        @event.listens_for(self.db.write, "after_rollback")
        def _rolled_back(session: Session) -> None:
            session.info.pop(runs.PROBES, None)

    def start(self) -> None:
        if self.recorder is None:
            self.recorder = threading.Thread(
                target=self._record_loop, name="warroom-check-results", daemon=True
            )
            self.recorder.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.recorder is not None:
            self.recorder.join(timeout=5)
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _done(self, future: Future[None]) -> None:
        with self.lock:
            self.running.discard(future)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until every probe started so far has finished (for tests and shutdown)."""
        with self.lock:
            running = set(self.running)
        wait(running, timeout=timeout)

    def _probe(self, probe: runs.Probe) -> None:
        started = self.ctx.clock.now()
        result = probes.run(probe.check, now=started)
        self.finished.put(runs.Finished(probe, started, result))

    def _record_loop(self) -> None:
        pruned = 0.0
        while not self.stopping.is_set():
            self.stopping.wait(RECORD_EVERY)
            self.record_waiting()
            pruned += RECORD_EVERY
            if pruned >= PRUNE_EVERY:
                pruned = 0.0
                self.prune()
        self.record_waiting()

    def prune(self) -> None:
        """Delete a step of results older than runs.RESULTS_KEPT."""
        try:
            with self.db.write.begin() as session:
                before = self.ctx.clock.now() - runs.RESULTS_KEPT
                runs.prune(session, before=before)
        except Exception:
            log.exception("deleting old check results failed")

    def record_waiting(self) -> int:
        """Write down the results waiting (a batch at a time); how many were written."""
        written = 0
        while True:
            batch: list[runs.Finished] = []
            while len(batch) < RECORD_BATCH:
                try:
                    batch.append(self.finished.get_nowait())
                except queue.Empty:
                    break
            if not batch:
                return written
            try:
                with self.db.write.begin() as session:
                    runs.record(session, ctx=self.ctx, finished=batch)
            except Exception:  # the database may be restarting: these results are lost
                log.exception("recording %d check results failed", len(batch))
            written += len(batch)
