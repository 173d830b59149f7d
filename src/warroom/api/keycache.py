"""A short-lived cache of what a secret key stands for (an integration's key, an API
token's hash), so a busy client does not cost a database read per request.

Changes made through this process (revoke, disable, rotate) clear it at once; other
processes see them within the cache's time to live. Concurrent misses of one key share
one read.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")
MAX_ENTRIES = 10_000  # keys guessed at random must not grow it forever


class KeyCache(Generic[T]):
    def __init__(
        self,
        read: Callable[[str], T | None],
        *,
        ttl_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._entries: dict[str, tuple[T | None, float]] = {}
        self._reading: dict[str, asyncio.Future[T | None]] = {}

    async def get(self, key: str) -> T | None:
        entry = self._entries.get(key)
        if entry is not None and entry[1] > self._monotonic():
            return entry[0]
        pending = self._reading.get(key)
        if pending is not None:
            with contextlib.suppress(Exception):  # if that read failed, try our own
                return await asyncio.shield(pending)
        future: asyncio.Future[T | None] = asyncio.get_running_loop().create_future()
        self._reading[key] = future
        try:
            value = await run_in_threadpool(self._read, key)
        except BaseException:
            future.set_exception(RuntimeError("the shared read failed"))
            future.exception()  # marked as seen: nobody may be waiting for it
            raise
        finally:
            del self._reading[key]
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (value, self._monotonic() + self._ttl)
        future.set_result(value)
        return value

    def clear(self) -> None:
        self._entries.clear()
