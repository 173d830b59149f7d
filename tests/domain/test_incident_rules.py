from datetime import UTC, datetime

import pytest

from warroom.domain.incidents import (
    ORDER,
    Status,
    channel_name,
    check_reopen,
    check_transition,
    parse_ref,
    parse_role,
    parse_status,
)
from warroom.errors import Invalid, InvalidTransition

PAIRS = [(a, b) for a in ORDER for b in ORDER]


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_only_forward_moves_are_allowed(current: Status, target: Status) -> None:
    forward = ORDER.index(target) > ORDER.index(current)
    if forward:
        check_transition("INC-1", current, target)
    else:
        with pytest.raises(InvalidTransition, match=f"from {current} to {target}"):
            check_transition("INC-1", current, target)


@pytest.mark.parametrize("status", ORDER)
def test_only_monitoring_or_resolved_incidents_reopen(status: Status) -> None:
    if status in (Status.MONITORING, Status.RESOLVED):
        check_reopen("INC-1", status)
    else:
        with pytest.raises(InvalidTransition, match="only a monitoring or resolved"):
            check_reopen("INC-1", status)


def test_a_backward_move_from_resolved_points_to_reopen() -> None:
    with pytest.raises(InvalidTransition, match="use reopen"):
        check_transition("INC-3", Status.RESOLVED, Status.INVESTIGATING)


@pytest.mark.parametrize(("text", "number"), [("42", 42), ("INC-42", 42), ("inc-7", 7)])
def test_references_are_numbers_with_or_without_the_prefix(text: str, number: int) -> None:
    assert parse_ref(text) == number


@pytest.mark.parametrize("text", ["", "INC-", "INC-4x", "42; drop", "-1", "INC-\u0663"])
def test_a_bad_reference_is_refused_naming_the_form(text: str) -> None:
    with pytest.raises(Invalid, match="write 42 or INC-42"):
        parse_ref(text)


def test_unknown_statuses_and_roles_name_the_known_ones() -> None:
    with pytest.raises(Invalid, match="triggered, acknowledged"):
        parse_status("fixed")
    with pytest.raises(Invalid, match="commander, comms, responder, scribe"):
        parse_role("captain")


def test_the_channel_is_named_after_the_day_and_the_title() -> None:
    day = datetime(2026, 11, 23, 3, 10, tzinfo=UTC)
    assert (
        channel_name(day, "Checkout: 500s on /pay!") == "incident-2026-11-23-checkout-500s-on-pay"
    )
    assert channel_name(day, "!!!") == "incident-2026-11-23-incident"
