"""Sending a pass's messages at once: each waits on its receiver, not on the others."""

from __future__ import annotations

import weakref
from concurrent.futures import ThreadPoolExecutor

from warroom.clock import Clock
from warroom.scheduler import outbound

THREADS = 8  # messages in flight at once from one worker


class SendPool:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.pool = ThreadPoolExecutor(THREADS, thread_name_prefix="warroom-send")
        weakref.finalize(self, self.pool.shutdown, wait=False)

    def send_all(self, sends: list[outbound.Send]) -> list[outbound.Outcome]:
        """Send these messages (several at once) and return how each went."""
        now = self.clock.now()
        if len(sends) == 1:  # no hop to another thread for a lone message
            return [outbound.send(sends[0], now=now)]
        return list(self.pool.map(lambda item: outbound.send(item, now=now), sends))
