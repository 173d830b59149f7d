"""Pure rules: runbook front matter and ranking, checklist ticks, action command lines,
check thresholds, duty periods."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from warroom.config import parse_config
from warroom.domain import runbooks
from warroom.domain.actions import Action, command_line, values_for
from warroom.domain.checklists import Phase, for_level, handoff_items, lines
from warroom.domain.checks import Check, State, next_state
from warroom.domain.duties import Cadence, period
from warroom.errors import Invalid
from warroom.services.paging import messages

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass
class Ev:
    id: int
    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    visibility: str = "internal"
    actor: str = "bob"
    at: datetime = AT


def test_front_matter_problems_name_their_line() -> None:
    broken = runbooks.parse("x", "---\ntitle: X\ntags: [a, b\n---\n", source="x.md")
    assert isinstance(broken, runbooks.RunbookProblem)
    assert (broken.line, str(broken)) == (
        3,
        "x.md:3: tags: a list opened with '[' must close with ']'",
    )
    unclosed = runbooks.parse("x", "---\ntitle: X\n", source="x.md")
    assert isinstance(unclosed, runbooks.RunbookProblem) and "not closed" in unclosed.message
    bad_regex = runbooks.parse("x", "---\ntitle: X\nalerts: [a=~(]\n---\n", source="x.md")
    assert isinstance(bad_regex, runbooks.RunbookProblem) and bad_regex.line == 3


def test_ranking_weighs_alerts_over_services_over_tags() -> None:
    def book(ref: str, front: str) -> runbooks.Runbook:
        parsed = runbooks.parse(ref, f"---\ntitle: {ref}\n{front}---\n## Symptoms\ns\n", source=ref)
        assert isinstance(parsed, runbooks.Runbook)
        return parsed

    by_alert = book("by-alert", "alerts: [alertname=~Db.*]\n")
    by_service = book("by-service", "services: [db]\n")
    by_tag = book("by-tag", "tags: [latency]\n")
    unrelated = book("unrelated", "services: [web]\n")
    subject = runbooks.Subject.of(
        service="db",
        severity="P1",
        alert_labels=[{"alertname": "DbDown"}],
        texts=["High latency on db"],
    )
    ranked = runbooks.rank([by_tag, unrelated, by_service, by_alert], subject)
    assert [m.runbook.ref for m in ranked] == ["by-alert", "by-service", "by-tag"]
    assert by_tag.sections == {"symptoms": "s"}


def test_checklist_ticks_from_the_first_event_that_shows_it_done() -> None:
    items = for_level((), "P1")
    events = [
        Ev(1, "declared"),
        Ev(2, "status", {"from": "triggered", "to": "mitigating"}),  # a jump fills the steps
        Ev(3, "update", visibility="public"),
    ]
    done = {(line.phase.value, line.item.key): line.tick for line in lines(items, events, {})}
    assert done[("during", "investigation")].event_id == 2  # type: ignore[union-attr]
    assert done[("during", "fix_applied")].event_id == 2  # type: ignore[union-attr]
    assert done[("during", "status_page")].event_id == 3  # type: ignore[union-attr]
    assert done[("during", "verified")] is None and done[("post", "postmortem")] is None
    assert all(phase is not Phase.HANDOFF for phase, _ in items)


def test_handoff_notice_carries_the_handoff_checklist() -> None:
    config = parse_config(
        {
            "checklists": [
                {"phase": "handoff", "items": [{"key": "pager", "label": "Charge the pager"}]}
            ]
        }
    )
    assert handoff_items(config.checklists) == ["Charge the pager"]
    assert len(for_level(config.checklists, "P1")) == 15  # incident phases keep the defaults
    assert "Look at the dashboards" in handoff_items(())[1]
    text = messages.render(
        "handoff",
        schedule="primary",
        at=AT,
        from_person=None,
        person="erin",
        open_incidents=[],
        checklist=handoff_items(config.checklists),
    )
    assert "- Charge the pager" in text.body


def test_action_values_are_checked_and_stay_one_argument() -> None:
    action = Action(
        name="a",
        argv=["tool", "--n={n}", "{name}", "{{literal}}"],
        params={"n": {"type": "int", "default": 3}, "name": {"type": "name"}},
    )
    assert command_line(action, values_for(action, {"name": "api-1"})) == [
        "tool",
        "--n=3",
        "api-1",
        "{literal}",
    ]
    with pytest.raises(Invalid) as caught:
        values_for(action, {"name": "a b; rm -rf /"})
    assert caught.value.field == "params.name"
    with pytest.raises(Invalid):
        values_for(action, {"name": "x", "n": "3; id"})


def test_thresholds_fire_and_resolve() -> None:
    check = Check(name="c", kind="tcp", host="h", port=1, failure_threshold=2, success_threshold=2)
    state, failures, successes = State.UNKNOWN, 0, 0
    seen = []
    for ok in (True, False, False, True, False, True, True):
        state, failures, successes = next_state(
            state, ok=ok, failures=failures, successes=successes, check=check
        )
        seen.append(state.value)
    assert seen == ["up", "up", "down", "down", "down", "down", "up"]


def test_duty_periods() -> None:
    sunday = datetime(2026, 11, 8, 23, 59, tzinfo=UTC)
    assert period(Cadence.DAILY, sunday).key == "2026-11-08"
    assert period(Cadence.WEEKLY, sunday).key == "2026-W45"
    december = period(Cadence.MONTHLY, datetime(2026, 12, 31, tzinfo=UTC))
    assert (december.key, december.end) == ("2026-12", datetime(2027, 1, 1, tzinfo=UTC))


def test_a_duty_day_in_a_zone_that_sets_its_clocks_back_lasts_25_hours() -> None:
    oslo = ZoneInfo("Europe/Oslo")
    day = period(Cadence.DAILY, datetime(2026, 10, 25, 12, tzinfo=UTC), oslo)
    assert day.key == "2026-10-25"
    assert (day.start, day.end) == (
        datetime(2026, 10, 24, 22, tzinfo=UTC),
        datetime(2026, 10, 25, 23, tzinfo=UTC),
    )
    week = period(Cadence.WEEKLY, datetime(2026, 11, 8, 23, 30, tzinfo=UTC), oslo)
    assert week.key == "2026-W46"  # already Monday in Oslo
