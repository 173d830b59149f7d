"""One group-commit batch: the submissions of many requests applied in one transaction,
each answered with its outcomes or its own failure.

If the batch fails, each submission is applied again alone, so one bad request never fails
its neighbours. A unique-index conflict with another process's writer (it opened the same
group's incident or stored the same alert meanwhile, and has committed) is retried: the
same batch then attaches to what it wrote. Used by the ingest writer's thread, or by the
writer process (`processes.ingest_writer`) on SQLite.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from warroom.db.engine import Database, KeptWriter
from warroom.services.context import Context
from warroom.services.ingest import apply, prep, replays

log = logging.getLogger("warroom.ingest")
CONFLICT_RETRIES = 3
MAX_ALERTS_PER_BATCH = 2000  # written in one transaction, they share its commit

Outcomes = list[apply.Outcome]
Result = Outcomes | Exception  # of one submission


class BatchWriter:
    """Applies batches, one at a time, through sessions of its own (`KeptWriter`)."""

    def __init__(self, db: Database, ctx: Context) -> None:
        self.db = db
        self.ctx = ctx
        self._writer = KeptWriter(db)

    def write(self, submissions: list[prep.Submission]) -> list[Result]:
        results: list[Result] = [replays.Replayed()] * len(submissions)
        self._write(list(range(len(submissions))), submissions, results, CONFLICT_RETRIES)
        return results

    def close(self) -> None:
        """After a failure the connection may be broken: the next batch takes a new one."""
        self._writer.close()

    def _write(
        self,
        indexes: list[int],
        submissions: list[prep.Submission],
        results: list[Result],
        conflicts_left: int,
    ) -> None:
        batch = [submissions[n] for n in indexes]
        try:
            with self._writer.session() as session, session.begin():
                session.connection()  # BEGIN (IMMEDIATE): wait for the write lock first
                replayed = replays.take(session, batch, now=self.ctx.clock.now())
                taken = [n for n in range(len(batch)) if n not in replayed]
                applied = apply.apply(session, ctx=self.ctx, submissions=[batch[n] for n in taken])
        except IntegrityError as exc:
            if conflicts_left == 0:
                self._fail(indexes, submissions, results, exc)
                return
            log.info("a batch met a concurrent writer (%s); applying it again", exc.orig)
            self._write(indexes, submissions, results, conflicts_left - 1)
            return
        except Exception as exc:
            self.close()
            self._fail(indexes, submissions, results, exc)
            return
        for n, outcomes in zip(taken, applied, strict=True):
            results[indexes[n]] = outcomes
        for n in replayed:
            results[indexes[n]] = replays.Replayed()

    def _fail(
        self,
        indexes: list[int],
        submissions: list[prep.Submission],
        results: list[Result],
        exc: Exception,
    ) -> None:
        if len(indexes) == 1:
            log.warning("ingest of one request failed: %s", exc)
            results[indexes[0]] = exc
            return
        log.info("a batch of %d requests failed (%s); retrying each alone", len(indexes), exc)
        for n in indexes:
            self._write([n], submissions, results, CONFLICT_RETRIES)
