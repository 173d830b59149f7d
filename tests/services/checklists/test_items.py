"""An incident keeps the checklist it opened with: a later config edit changes the
incidents opened after it, not the open ones; a change of level adds the new level's
items and keeps the ticks."""

from __future__ import annotations

from sqlalchemy import func, select
from tests.support import declared, run

from warroom.config import WarroomConfig, parse_config
from warroom.db.engine import Database
from warroom.db.models import Incident
from warroom.db.operations import ChecklistSet
from warroom.services.checklists import items
from warroom.services.context import Context
from warroom.services.incidents import lifecycle


def _config(*checklists: dict[str, object]) -> WarroomConfig:
    return parse_config({"checklists": list(checklists)})


DURING = {"phase": "during", "items": [{"key": "triage", "label": "Triage the alerts"}]}
GRAVE = {
    "phase": "during",
    "severities": ["P0"],
    "items": [{"key": "exec_brief", "label": "Brief the executives"}],
}


def _keys(database: Database, ctx: Context, incident_id: int) -> list[str]:
    found = run(database, lambda s: items.checklist(s, ctx=ctx, incident_id=incident_id))
    return [f"{i.phase}.{i.key}" for i in found]


def test_a_config_edit_leaves_an_open_incidents_checklist_as_it_opened(
    database: Database, ctx: Context
) -> None:
    before = Context(config=_config(DURING), clock=ctx.clock)
    opened = declared(database, before, severity="P2")
    run(
        database,
        lambda s: items.tick(s, ctx=before, incident_id=opened.id, item="triage", actor="bob"),
    )

    edited = Context(
        config=_config({"phase": "during", "items": [{"key": "page", "label": "Page"}]}),
        clock=ctx.clock,
    )
    assert _keys(database, edited, opened.id) == ["during.triage"]
    later = declared(database, edited, severity="P2")
    assert _keys(database, edited, later.id) == ["during.page"]
    ticked = run(database, lambda s: items.checklist(s, ctx=edited, incident_id=opened.id))
    assert ticked[0].done and ticked[0].done_by == "bob"


def test_raising_the_level_adds_its_items_and_keeps_the_ticks(
    database: Database, ctx: Context
) -> None:
    config_ctx = Context(config=_config(DURING, GRAVE), clock=ctx.clock)
    incident = declared(database, config_ctx, severity="P2")
    assert _keys(database, config_ctx, incident.id) == ["during.triage"]
    run(
        database,
        lambda s: items.tick(
            s, ctx=config_ctx, incident_id=incident.id, item="triage", actor="bob"
        ),
    )

    run(
        database,
        lambda s: lifecycle.change_severity(
            s, ctx=config_ctx, actor="bob", incident_id=incident.id, severity="P0", reason="wider"
        ),
    )
    assert _keys(database, config_ctx, incident.id) == ["during.triage", "during.exec_brief"]
    run(
        database,
        lambda s: lifecycle.change_severity(
            s, ctx=config_ctx, actor="bob", incident_id=incident.id, severity="P3"
        ),
    )
    after = run(database, lambda s: items.checklist(s, ctx=config_ctx, incident_id=incident.id))
    assert [(i.key, i.done) for i in after] == [("triage", True), ("exec_brief", False)]


def test_an_incident_from_before_checklists_were_copied_follows_the_config(
    database: Database, ctx: Context
) -> None:
    incident = declared(database, ctx)

    def forget(session: object) -> None:
        row = session.get(Incident, incident.id)  # type: ignore[attr-defined]
        row.checklist_set = None

    run(database, forget)
    edited = Context(config=_config(DURING), clock=ctx.clock)
    assert _keys(database, edited, incident.id) == ["during.triage"]


def test_incidents_with_the_same_items_share_one_stored_list(
    database: Database, ctx: Context
) -> None:
    first, second = declared(database, ctx), declared(database, ctx)
    grave = declared(database, ctx, severity="P0")
    with database.read() as session:
        stored = session.scalar(select(func.count()).select_from(ChecklistSet))
        names = [session.get(Incident, i.id).checklist_set for i in (first, second, grave)]  # type: ignore[union-attr]
    assert names[0] == names[1] and names[2] is not None
    assert stored == len(set(names))
