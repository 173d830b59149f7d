"""Stakeholder updates: leadership hears of a P0 when it opens and at the level's update
cadence, in the runbooks' progress format, until it is resolved."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.receivers import Receiver, receiver

from warroom.clock import FrozenClock
from warroom.config import WarroomConfig, parse_config
from warroom.db.engine import Database
from warroom.domain.incidents import Status
from warroom.scheduler.worker import Worker
from warroom.services.context import Context
from warroom.services.incidents import lifecycle

from .conftest import STATUS_PAGE, declare, update


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as state:
        yield state


@pytest.fixture
def config(hook: Receiver) -> WarroomConfig:
    return parse_config(
        {
            "people": [{"name": "lee", "contacts": [f"json://127.0.0.1:{hook.port}/lee"]}],
            "teams": [{"name": "leadership", "members": ["lee"]}],
            "status_page": {**STATUS_PAGE, "stakeholders": {"P0": ["team:leadership"]}},
        }
    )


def _bodies(hook: Receiver) -> list[str]:
    return [str(r.json.get("message") or r.json.get("body")) for r in hook.to("/lee")]


def test_leadership_hears_of_a_p0_at_once_and_at_its_cadence_until_resolved(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    incident = declare(database, ctx, "Checkout down", severity="P0", impact="All card payments")
    worker.run_due()
    [first] = _bodies(hook)
    assert "Channel: #incident-2026-11-02-checkout-down" in first
    assert "Severity: P0" in first and "Impact: All card payments" in first
    every = ctx.config.severity("P0").update_every
    assert every is not None
    assert f"Next update: {(clock.now() + every):%Y-%m-%d %H:%M} UTC" in first

    update(database, ctx, incident, "Rolled back the 10:02 deploy", public=False)
    clock.advance(every)
    worker.run_due()
    assert len(_bodies(hook)) == 2
    assert "Rolled back the 10:02 deploy" in _bodies(hook)[1]

    with database.write.begin() as session:
        lifecycle.change_status(
            session, ctx=ctx, actor="bob", incident_id=incident, status=Status.RESOLVED
        )
    clock.advance(every)
    worker.run_due()
    assert len(_bodies(hook)) == 2


def test_lower_levels_without_stakeholders_send_nothing(
    database: Database, ctx: Context, worker: Worker, hook: Receiver
) -> None:
    declare(database, ctx, "Slow search", severity="P2")
    worker.run_due()
    assert hook.to("/lee") == []
