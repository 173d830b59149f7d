"""The key cache in front of token and integration-key lookups."""

from __future__ import annotations

import asyncio
import threading

from warroom.api.keycache import KeyCache


class Table:
    """A stand-in for the database table behind the cache, counting reads."""

    def __init__(self) -> None:
        self.rows = {"k1": "alice"}
        self.reads = 0
        self.gate = threading.Event()

    def read(self, key: str) -> str | None:
        self.gate.wait(5)
        self.reads += 1
        return self.rows.get(key)


def test_a_burst_of_requests_with_one_key_reads_it_once() -> None:
    table = Table()
    cache = KeyCache(table.read, ttl_seconds=2.0)

    async def burst() -> list[str | None]:
        waiting = [asyncio.ensure_future(cache.get("k1")) for _ in range(20)]
        await asyncio.sleep(0)  # every request takes its first step: one reads, the rest wait
        table.gate.set()
        return list(await asyncio.gather(*waiting))

    assert asyncio.run(burst()) == ["alice"] * 20
    assert table.reads == 1


def test_a_change_made_elsewhere_counts_once_the_entry_is_old() -> None:
    table, now = Table(), [100.0]
    table.gate.set()
    cache = KeyCache(table.read, ttl_seconds=2.0, monotonic=lambda: now[0])
    assert asyncio.run(cache.get("k1")) == "alice"
    del table.rows["k1"]  # revoked by another process
    now[0] += 1.0
    assert asyncio.run(cache.get("k1")) == "alice"
    now[0] += 1.5
    assert asyncio.run(cache.get("k1")) is None


def test_a_change_made_here_counts_at_once() -> None:
    table = Table()
    table.gate.set()
    cache = KeyCache(table.read, ttl_seconds=60.0)
    assert asyncio.run(cache.get("k1")) == "alice"
    del table.rows["k1"]
    cache.clear()
    assert asyncio.run(cache.get("k1")) is None
