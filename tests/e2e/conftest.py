"""The `procs` fixture: warroom processes started by a test, all killed at its end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.e2e.test_serve_restart import Processes


@pytest.fixture
def procs(tmp_path: Path, db_url: str) -> Iterator[Processes]:
    processes = Processes(tmp_path, db_url)
    try:
        yield processes
    finally:
        processes.stop_all()
