"""Throttles kept in memory, with the time given (never read here): a token bucket per
key, for rates, and a count of recent failures per key, for sign-in attempts."""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """One bucket per key: `rate` tokens a second, at most `burst` (a key may be given its
    own). `take` is O(1)."""

    def __init__(self, rate: float, burst: int, *, max_keys: int = 100_000) -> None:
        self.rate, self.burst, self.max_keys = rate, burst, max_keys
        self._buckets: dict[object, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def limited(self) -> bool:
        return self.rate > 0

    def take(
        self,
        key: object,
        count: int,
        *,
        now: float,
        rate: float | None = None,
        burst: int | None = None,
    ) -> float:
        """Take `count` tokens from `key`'s bucket, refilled at `rate` and holding `burst`
        (when given; else the shared ones): 0.0 when taken, else the seconds until they
        could be (math.inf when `count` is more than the bucket holds)."""
        rate = self.rate if rate is None else rate
        if rate <= 0:
            return 0.0
        burst = self.burst if burst is None else burst
        if count > burst:
            return math.inf
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_keys:
                    self._buckets.clear()  # bounded memory: forgetting only grants tokens
                bucket = self._buckets[key] = _Bucket(float(burst), now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now
            if bucket.tokens >= count:
                bucket.tokens -= count
                return 0.0
            return (count - bucket.tokens) / rate


class FailureWindow:
    """Failures per key within the last `window` seconds; a key at `limit` is held until
    its oldest failure leaves the window."""

    def __init__(self, limit: int, window: float, *, max_keys: int = 100_000) -> None:
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._seen.get(key)
        if times is None:
            if len(self._seen) >= self.max_keys:
                self._seen.clear()
            times = self._seen[key] = deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def wait(self, key: str, *, now: float) -> float:
        """0.0 when `key` may try; else the seconds until it may."""
        with self._lock:
            times = self._recent(key, now)
            if len(times) < self.limit:
                return 0.0
            return times[0] + self.window - now

    def failed(self, key: str, *, now: float) -> None:
        with self._lock:
            self._recent(key, now).append(now)

    def forget(self, key: str) -> None:
        with self._lock:
            self._seen.pop(key, None)
