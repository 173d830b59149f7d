"""Fixtures shared by the paging tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.paging.receivers import Receiver, receiver


@pytest.fixture
def hook() -> Iterator[Receiver]:
    """A real HTTP receiver on loopback that keeps every message it gets."""
    with receiver() as r:
        yield r
