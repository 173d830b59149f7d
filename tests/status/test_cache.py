"""The public cache: a commit that changes the page empties it, a rolled-back one does
not; while one thread makes an entry again the others get the previous one."""

from __future__ import annotations

import threading
from datetime import timedelta

from warroom.clock import FrozenClock
from warroom.db.engine import Database
from warroom.services.status.cache import PublicCache, cache_for, mark_changed


def test_a_marked_commit_empties_the_cache_and_a_rollback_does_not(
    database: Database, clock: FrozenClock
) -> None:
    cache = cache_for(database, clock)
    made = iter(range(100))
    assert cache.get("k", lambda: next(made)) == 0
    assert cache.get("k", lambda: next(made)) == 0
    try:
        with database.write.begin() as session:
            mark_changed(session)
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert cache.get("k", lambda: next(made)) == 0
    with database.write.begin() as session:
        mark_changed(session)
    assert cache.peek("k") is None
    assert cache.get("k", lambda: next(made)) == 1


def test_entries_expire_by_the_clock(clock: FrozenClock) -> None:
    cache = PublicCache(clock, ttl=timedelta(seconds=1))
    cache.get("k", lambda: "old")
    clock.advance(timedelta(seconds=1))
    assert cache.peek("k") is None
    assert cache.get("k", lambda: "new") == "new"


def test_others_get_the_previous_value_while_one_thread_makes_it_again(
    clock: FrozenClock,
) -> None:
    cache = PublicCache(clock)
    cache.get("k", lambda: "old")
    cache.invalidate()
    building, release = threading.Event(), threading.Event()

    def slow() -> str:
        building.set()
        release.wait(10)
        return "new"

    maker = threading.Thread(target=lambda: cache.get("k", slow))
    maker.start()
    assert building.wait(10)
    assert cache.peek("k") == "old"
    assert cache.get("k", lambda: "other") == "old"
    release.set()
    maker.join(10)
    assert cache.get("k", lambda: "other") == "new"
