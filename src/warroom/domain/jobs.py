"""The states of a background job (a row of the jobs table)."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    PENDING = "pending"  # waiting until it is due
    RUNNING = "running"  # claimed by a worker, under its lease
    DONE = "done"
    FAILED = "failed"  # given up after its tries
