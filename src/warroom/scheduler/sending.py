"""Sending a pass's messages at once: each waits on its receiver, not on the others, and
the worker drafts its next pass meanwhile."""

from __future__ import annotations

import weakref
from concurrent.futures import Future, ThreadPoolExecutor

from warroom.clock import Clock
from warroom.scheduler import outbound

THREADS = 8  # messages in flight at once from one worker


class Sender:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.pool = ThreadPoolExecutor(THREADS, thread_name_prefix="warroom-send")
        weakref.finalize(self, self.pool.shutdown, wait=False)

    def start(self, sends: list[outbound.Send]) -> list[Future[outbound.Outcome]]:
        """Start sending these messages, several at once; each future gives how one went.
        A lone message is sent here and now (no hop to another thread)."""
        now = self.clock.now()
        if len(sends) == 1:
            done: Future[outbound.Outcome] = Future()
            done.set_result(outbound.send(sends[0], now=now))
            return [done]
        return [self.pool.submit(outbound.send, item, now=now) for item in sends]
