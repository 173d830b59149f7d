"""Guessing passwords is slow: failed sign-ins are counted per user name and per address
(a 429 with Retry-After once either reaches its limit in the window), at most a few
password hashes are checked at once (argon2 takes ~64 MiB each), and every failure is
logged. The counts live in this process's memory: a check costs no database write, and
with N server processes or replicas an attacker gets at most N times the limit."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from warroom.clock import Clock
from warroom.config_security import SecurityConfig
from warroom.domain.throttles import FailureWindow
from warroom.errors import TooManyRequests, Unauthorized

log = logging.getLogger("warroom.sign_in")
HASH_WAIT_SECONDS = 10.0  # a sign-in waits this long for a free hashing slot, then 429
T = TypeVar("T")


class SignInGuard:
    def __init__(self, limits: SecurityConfig, clock: Clock) -> None:
        window = limits.login_window_seconds
        self.by_name = FailureWindow(limits.login_failures_per_name, window)
        self.by_address = FailureWindow(limits.login_failures_per_address, window)
        self.hashing = threading.BoundedSemaphore(limits.concurrent_password_checks)
        self.clock = clock

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def check(self, name: str, address: str) -> None:
        """Refuse (429) a sign-in from an address, or for a name, that failed too often."""
        now = self._now()
        wait = max(self.by_name.wait(_name_key(name), now=now) if name else 0.0,
                   self.by_address.wait(address, now=now))  # fmt: skip
        if wait > 0:
            raise TooManyRequests(
                "Too many failed sign-ins; try again in"
                f" {math.ceil(wait / 60)} minute(s).",
                retry_after=max(1, math.ceil(wait)),
                field="password",
            )

    @contextmanager
    def _hash_slot(self) -> Iterator[None]:
        if not self.hashing.acquire(timeout=HASH_WAIT_SECONDS):
            raise TooManyRequests(
                "Too many sign-ins at once; try again in a moment.", retry_after=2
            )
        try:
            yield
        finally:
            self.hashing.release()

    def attempt(self, name: str, address: str, sign_in: Callable[[], T], *, hashes: bool) -> T:
        """Run `sign_in` (with a hashing slot when it checks a password); a refusal counts
        as a failure of the name and the address, and is logged."""
        self.check(name, address)
        try:
            if hashes:
                with self._hash_slot():
                    result = sign_in()
            else:
                result = sign_in()
        except Unauthorized:
            now = self._now()
            if name:
                self.by_name.failed(_name_key(name), now=now)
            self.by_address.failed(address, now=now)
            log.warning("failed sign-in for %r from %s", name, address)
            raise
        if name:
            self.by_name.forget(_name_key(name))
        return result


def _name_key(name: str) -> str:
    return name.strip().lower()[:200]
