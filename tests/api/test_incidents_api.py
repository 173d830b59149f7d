"""The incident API as a caller sees it: declare, read, act, and the timeline that results."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from tests.support import assert_problem, iso, post_incident

BASE = "/api/v1/incidents"


def ts(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def act(client: Any, headers: dict[str, str], ref: Any, action: str, **body: Any) -> Any:
    return client.post(f"{BASE}/{ref}/{action}", json=body or None, headers=headers)


def timeline(client: Any, headers: dict[str, str], ref: Any) -> list[dict[str, Any]]:
    response = client.get(f"{BASE}/{ref}/timeline", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def kinds(events: list[dict[str, Any]]) -> list[str]:
    return [e["kind"] for e in events]


# --- declare ---------------------------------------------------------------------------


def test_declare_returns_the_new_incident_with_ref_channel_and_p1_deadlines(client, as_, clock):
    now = clock.now()
    response = client.post(
        BASE,
        json={
            "title": "Checkout returns 500 for every order!",
            "severity": "P1",
            "service": "checkout",
            "summary": "All orders fail.",
            "impact": "No one can buy.",
            "commander": "alice",
        },
        headers=as_("bob"),
    )
    assert response.status_code == 201
    incident = response.json()
    assert incident["ref"] == f"INC-{incident['id']}"
    assert incident["channel"] == "incident-2026-11-02-checkout-returns-500-for-every-order"
    assert incident["status"] == "triggered"
    assert incident["public_status"] == "investigating"
    assert incident["severity"] == "P1"
    assert incident["source"] == "manual"
    assert incident["service"] == "checkout"
    assert incident["summary"] == "All orders fail."
    assert incident["impact"] == "No one can buy."
    assert incident["roles"] == {
        "commander": "alice",
        "comms": None,
        "scribe": None,
        "responders": [],
    }
    assert ts(incident["declared_at"]) == now
    assert ts(incident["ack_due_at"]) == now + timedelta(minutes=15)
    assert ts(incident["next_update_due_at"]) == now + timedelta(minutes=30)
    assert incident["acknowledged_at"] is None
    assert incident["resolved_at"] is None
    assert incident["postmortem_due_at"] is None


def test_declare_deadlines_follow_the_severity(client, as_, clock):
    now = clock.now()
    p0 = post_incident(client, as_("bob"), severity="P0")
    p2 = post_incident(client, as_("bob"), severity="P2")
    assert ts(p0["ack_due_at"]) == now + timedelta(minutes=5)
    assert ts(p2["ack_due_at"]) == now + timedelta(hours=1)
    assert ts(p2["next_update_due_at"]) == now + timedelta(hours=2)


def test_declare_accepts_severity_in_any_case(client, as_):
    assert post_incident(client, as_("bob"), severity="p2")["severity"] == "P2"


def test_refs_count_up_and_same_day_same_title_channels_stay_distinct(client, as_):
    first = post_incident(client, as_("bob"), title="Login broken")
    second = post_incident(client, as_("bob"), title="Login broken")
    assert (first["ref"], second["ref"]) == (f"INC-{first['id']}", f"INC-{first['id'] + 1}")
    assert first["channel"] == "incident-2026-11-02-login-broken"
    assert second["channel"] != first["channel"]
    assert second["channel"].startswith("incident-2026-11-02-login-broken")


def test_declare_puts_declaration_and_commander_on_the_timeline(client, as_):
    incident = post_incident(client, as_("bob"), commander="alice")
    events = timeline(client, as_("charlie"), incident["id"])
    assert kinds(events) == ["declared", "role"]
    assert events[0]["actor"] == "bob"
    assert "P1" in events[0]["text"] and "Checkout returns 500" in events[0]["text"]
    assert events[1]["data"] == {"role": "commander", "person": "alice"}
    assert all(e["late"] is False for e in events)


# --- list ------------------------------------------------------------------------------


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [i["id"] for i in response.json()["items"]]


def test_list_is_newest_first_and_has_the_page_shape(client, as_):
    ids = [post_incident(client, as_("bob"), title=f"Incident {n}")["id"] for n in range(3)]
    response = client.get(BASE, headers=as_("charlie"))
    assert set(response.json()) == {"items", "next_cursor"}
    assert _ids(response) == sorted(ids, reverse=True)
    assert response.json()["next_cursor"] is None


def test_list_filters_by_open_all_and_exact_status(client, as_):
    h = as_("bob")
    triggered = post_incident(client, h, title="Still triggered")["id"]
    resolved = post_incident(client, h, title="Resolved one")["id"]
    closed = post_incident(client, h, title="Closed one")["id"]
    assert act(client, h, resolved, "resolve").status_code == 200
    assert act(client, h, closed, "resolve").status_code == 200
    assert act(client, h, closed, "close").status_code == 409  # its post-mortem: not yet
    overridden = act(client, as_("alice"), closed, "close", override_reason="Written elsewhere")
    assert overridden.status_code == 200

    assert _ids(client.get(BASE, params={"status": "open"}, headers=h)) == [triggered]
    assert set(_ids(client.get(BASE, params={"status": "all"}, headers=h))) == {
        triggered,
        resolved,
        closed,
    }
    assert _ids(client.get(BASE, params={"status": "resolved"}, headers=h)) == [resolved]
    assert _ids(client.get(BASE, params={"status": "CLOSED"}, headers=h)) == [closed]


def test_list_filters_by_severity_and_service(client, as_):
    h = as_("bob")
    p1_api = post_incident(client, h, severity="P1", service="api")["id"]
    p2_api = post_incident(client, h, severity="P2", service="api")["id"]
    p1_web = post_incident(client, h, severity="P1", service="web")["id"]
    assert _ids(client.get(BASE, params={"severity": "P1"}, headers=h)) == [p1_web, p1_api]
    assert _ids(client.get(BASE, params={"service": "api"}, headers=h)) == [p2_api, p1_api]
    both = client.get(BASE, params={"severity": "p1", "service": "api"}, headers=h)
    assert _ids(both) == [p1_api]
    assert _ids(client.get(BASE, params={"service": "nothing"}, headers=h)) == []


def test_walking_the_pages_returns_every_incident_exactly_once(client, as_):
    created = {post_incident(client, as_("bob"), title=f"Incident {n}")["id"] for n in range(7)}
    seen: list[int] = []
    pages = 0
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get(BASE, params=params, headers=as_("charlie")).json()
        assert len(page["items"]) <= 3
        seen += [i["id"] for i in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 10, "pagination does not end"
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == created
    assert seen == sorted(seen, reverse=True)


def test_pagination_respects_the_filter_across_pages(client, as_):
    h = as_("bob")
    p2 = [post_incident(client, h, severity="P2", title=f"p2 {n}")["id"] for n in range(3)]
    for n in range(3):
        post_incident(client, h, severity="P3", title=f"p3 {n}")
    first = client.get(BASE, params={"severity": "P2", "limit": 2}, headers=h).json()
    second = client.get(
        BASE, params={"severity": "P2", "limit": 2, "cursor": first["next_cursor"]}, headers=h
    ).json()
    assert [i["id"] for i in first["items"] + second["items"]] == sorted(p2, reverse=True)
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "sleeping"}, "status"),
        ({"severity": "P7"}, "severity"),
        ({"cursor": "abc"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 10_000}, "limit"),
    ],
)
def test_list_with_a_bad_filter_is_422_naming_it(client, as_, params, field):
    body = assert_problem(client.get(BASE, params=params, headers=as_("charlie")), 422)
    assert field in body["detail"]


# --- get one ---------------------------------------------------------------------------


def test_get_by_number_or_ref_returns_the_incident_with_its_timeline(client, as_):
    incident = post_incident(client, as_("bob"))
    by_id = client.get(f"{BASE}/{incident['id']}", headers=as_("charlie"))
    by_ref = client.get(f"{BASE}/{incident['ref']}", headers=as_("charlie"))
    lower = client.get(f"{BASE}/{incident['ref'].lower()}", headers=as_("charlie"))
    assert by_id.status_code == by_ref.status_code == lower.status_code == 200
    assert by_id.json() == by_ref.json() == lower.json()
    body = by_id.json()
    assert body["title"] == incident["title"]
    assert kinds(body["timeline"]) == ["declared"]
    assert body["timeline"] == timeline(client, as_("charlie"), incident["id"])


# --- acknowledge -----------------------------------------------------------------------


def test_acknowledge_moves_to_acknowledged_and_records_who(client, as_, clock):
    incident = post_incident(client, as_("alice"))
    clock.advance(timedelta(minutes=3))
    response = act(client, as_("bob"), incident["ref"], "acknowledge")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "acknowledged"
    assert ts(body["acknowledged_at"]) == clock.now()
    events = timeline(client, as_("bob"), incident["id"])
    assert kinds(events) == ["declared", "acknowledged"]
    assert events[-1]["actor"] == "bob"
    assert "bob" in events[-1]["text"]


def test_acknowledging_twice_is_a_conflict_that_changes_nothing(client, as_):
    incident = post_incident(client, as_("bob"))
    assert act(client, as_("bob"), incident["id"], "acknowledge").status_code == 200
    response = act(client, as_("alice"), incident["id"], "acknowledge")
    body = assert_problem(response, 409, "invalid_transition")
    assert "already acknowledged" in body["detail"]
    assert kinds(timeline(client, as_("bob"), incident["id"])) == ["declared", "acknowledged"]


# --- status ----------------------------------------------------------------------------


def test_status_may_jump_forward_and_fills_the_milestones_it_passes(client, as_, clock):
    incident = post_incident(client, as_("bob"))
    clock.advance(timedelta(minutes=10))
    response = act(client, as_("bob"), incident["id"], "status", status="monitoring")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "monitoring"
    assert body["public_status"] == "monitoring"
    assert ts(body["acknowledged_at"]) == clock.now()
    assert ts(body["mitigated_at"]) == clock.now()
    last = timeline(client, as_("bob"), incident["id"])[-1]
    assert last["kind"] == "status"
    assert last["data"] == {"from": "triggered", "to": "monitoring"}


def test_status_message_becomes_the_event_text(client, as_):
    incident = post_incident(client, as_("bob"))
    act(client, as_("bob"), incident["id"], "status", status="identified", message="Bad deploy")
    assert timeline(client, as_("bob"), incident["id"])[-1]["text"] == (
        "Status triggered → identified: Bad deploy"
    )


@pytest.mark.parametrize("target", ["acknowledged", "investigating", "triggered"])
def test_moving_status_backwards_or_in_place_is_409_invalid_transition(client, as_, target):
    incident = post_incident(client, as_("bob"))
    act(client, as_("bob"), incident["id"], "status", status="investigating")
    response = act(client, as_("bob"), incident["id"], "status", status=target)
    body = assert_problem(response, 409, "invalid_transition")
    if target != "acknowledged":
        assert f"from investigating to {target}" in body["detail"]
    else:
        assert "already acknowledged" in body["detail"]
    after = client.get(f"{BASE}/{incident['id']}", headers=as_("bob")).json()
    assert after["status"] == "investigating"
    assert kinds(after["timeline"]) == ["declared", "status"]


def test_a_resolved_incident_cannot_move_back_and_is_told_to_reopen(client, as_):
    incident = post_incident(client, as_("bob"))
    act(client, as_("bob"), incident["id"], "resolve")
    response = act(client, as_("bob"), incident["id"], "status", status="investigating")
    body = assert_problem(response, 409, "invalid_transition")
    assert "reopen" in body["detail"]


def test_unknown_status_is_422_naming_status_and_the_known_ones(client, as_):
    incident = post_incident(client, as_("bob"))
    body = assert_problem(act(client, as_("bob"), incident["id"], "status", status="fixed"), 422)
    assert body.get("field") == "status"
    assert "'fixed'" in body["detail"] and "investigating" in body["detail"]


# --- updates ---------------------------------------------------------------------------


def test_updates_carry_their_visibility_onto_the_timeline(client, as_):
    incident = post_incident(client, as_("bob"))
    internal = act(client, as_("bob"), incident["id"], "updates", message="Looking at logs")
    public = act(client, as_("bob"), incident["id"], "updates", message="We are on it", public=True)
    assert internal.status_code == public.status_code == 201
    updates = [e for e in timeline(client, as_("bob"), incident["id"]) if e["kind"] == "update"]
    assert [(e["text"], e["visibility"]) for e in updates] == [
        ("Looking at logs", "internal"),
        ("We are on it", "public"),
    ]


def test_an_update_moves_the_next_update_deadline(client, as_, clock):
    incident = post_incident(client, as_("bob"))
    clock.advance(timedelta(minutes=20))
    response = act(client, as_("bob"), incident["id"], "updates", message="Still digging")
    assert ts(response.json()["next_update_due_at"]) == clock.now() + timedelta(minutes=30)
    assert ts(response.json()["next_update_due_at"]) != ts(incident["next_update_due_at"])


def test_an_empty_update_is_422_naming_message(client, as_):
    incident = post_incident(client, as_("bob"))
    body = assert_problem(act(client, as_("bob"), incident["id"], "updates", message="  "), 422)
    assert body.get("field") == "message"
    assert kinds(timeline(client, as_("bob"), incident["id"])) == ["declared"]


# --- severity --------------------------------------------------------------------------


def test_raising_severity_records_the_reason_and_restarts_the_ack_clock(client, as_, clock):
    incident = post_incident(client, as_("bob"), severity="P2")
    clock.advance(timedelta(minutes=1))
    response = act(
        client, as_("bob"), incident["id"], "severity", severity="P0", reason="All regions"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["severity"] == "P0"
    assert ts(body["ack_due_at"]) == ts(incident["declared_at"]) + timedelta(minutes=5)
    event = timeline(client, as_("bob"), incident["id"])[-1]
    assert event["kind"] == "severity"
    assert "raised" in event["text"] and "All regions" in event["text"]
    assert event["data"] == {"from": "P2", "to": "P0", "reason": "All regions"}


def test_lowering_severity_says_lowered(client, as_):
    incident = post_incident(client, as_("bob"), severity="P1")
    act(client, as_("bob"), incident["id"], "severity", severity="P3")
    event = timeline(client, as_("bob"), incident["id"])[-1]
    assert "lowered P1 → P3" in event["text"]


@pytest.mark.parametrize("reason", [None, "  "])
def test_raising_to_a_top_level_without_a_reason_is_422_naming_reason(client, as_, reason):
    incident = post_incident(client, as_("bob"), severity="P2")
    body = {"severity": "P1"} | ({"reason": reason} if reason is not None else {})
    problem = assert_problem(act(client, as_("bob"), incident["id"], "severity", **body), 422)
    assert problem["field"] == "reason" and "Say why" in problem["detail"]
    assert kinds(timeline(client, as_("bob"), incident["id"])) == ["declared"]
    for below_the_top_two in ("P3", "P2"):  # lowering, then raising to P2: no reason needed
        moved = act(client, as_("bob"), incident["id"], "severity", severity=below_the_top_two)
        assert moved.status_code == 200, moved.text


def test_setting_the_same_severity_is_a_conflict(client, as_):
    incident = post_incident(client, as_("bob"), severity="P1")
    assert_problem(act(client, as_("bob"), incident["id"], "severity", severity="p1"), 409)
    assert kinds(timeline(client, as_("bob"), incident["id"])) == ["declared"]


# --- roles -----------------------------------------------------------------------------


def test_every_role_can_be_assigned_and_lands_on_the_timeline(client, as_):
    incident = post_incident(client, as_("bob"))
    for role, person in [
        ("commander", "alice"),
        ("comms", "carol"),
        ("scribe", "sam"),
        ("responder", "bob"),
        ("responder", "dana"),
    ]:
        response = act(client, as_("bob"), incident["id"], "roles", role=role, person=person)
        assert response.status_code == 200, response.text
    roles = response.json()["roles"]
    assert roles == {
        "commander": "alice",
        "comms": "carol",
        "scribe": "sam",
        "responders": ["bob", "dana"],
    }
    role_events = [e["data"] for e in timeline(client, as_("bob"), incident["id"])]
    assert {"role": "scribe", "person": "sam"} in role_events
    assert {"role": "responder", "person": "dana"} in role_events


def test_replacing_the_commander_names_the_previous_one(client, as_):
    incident = post_incident(client, as_("bob"), commander="alice")
    act(client, as_("bob"), incident["id"], "roles", role="commander", person="bob")
    event = timeline(client, as_("bob"), incident["id"])[-1]
    assert event["text"] == "bob is commander (was alice)"


def test_unknown_role_is_422_naming_role(client, as_):
    incident = post_incident(client, as_("bob"))
    response = act(client, as_("bob"), incident["id"], "roles", role="captain", person="x")
    body = assert_problem(response, 422)
    assert body.get("field") == "role"
    assert "'captain'" in body["detail"] and "commander" in body["detail"]


def test_adding_the_same_responder_twice_is_a_conflict(client, as_):
    incident = post_incident(client, as_("bob"))
    act(client, as_("bob"), incident["id"], "roles", role="responder", person="dana")
    again = act(client, as_("bob"), incident["id"], "roles", role="responder", person="dana")
    assert_problem(again, 409)
    current = client.get(f"{BASE}/{incident['id']}", headers=as_("bob")).json()
    assert current["roles"]["responders"] == ["dana"]


# --- resolve, reopen, close ------------------------------------------------------------


def test_resolving_a_p1_sets_the_postmortem_due_two_days_later(client, as_, clock):
    incident = post_incident(client, as_("bob"))
    clock.advance(timedelta(hours=1))
    response = act(client, as_("bob"), incident["id"], "resolve", message="Rolled back")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "resolved"
    assert ts(body["resolved_at"]) == clock.now()
    assert ts(body["postmortem_due_at"]) == clock.now() + timedelta(days=2)
    assert body["next_update_due_at"] is None
    assert timeline(client, as_("bob"), incident["id"])[-1]["text"] == (
        "Status triggered → resolved: Rolled back"
    )


def test_resolving_a_p2_needs_no_postmortem(client, as_):
    incident = post_incident(client, as_("bob"), severity="P2")
    body = act(client, as_("bob"), incident["id"], "resolve").json()
    assert body["status"] == "resolved"
    assert body["postmortem_due_at"] is None


@pytest.mark.parametrize("reached", ["monitoring", "resolved"])
def test_reopen_returns_a_monitoring_or_resolved_incident_to_investigating(client, as_, reached):
    incident = post_incident(client, as_("bob"))
    act(client, as_("bob"), incident["id"], "status", status=reached)
    response = act(client, as_("bob"), incident["id"], "reopen", message="It is back")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "investigating"
    assert body["resolved_at"] is None
    assert body["postmortem_due_at"] is None
    assert body["next_update_due_at"] is not None
    event = timeline(client, as_("bob"), incident["id"])[-1]
    assert event["kind"] == "reopened"
    assert event["text"] == "It is back"


@pytest.mark.parametrize("reached", ["triggered", "investigating", "mitigating", "closed"])
def test_reopen_from_any_other_status_is_409(client, as_, reached):
    incident = post_incident(client, as_("bob"))
    if reached == "closed":
        act(client, as_("bob"), incident["id"], "resolve")
        act(client, as_("alice"), incident["id"], "close", override_reason="A test")
    elif reached != "triggered":
        act(client, as_("bob"), incident["id"], "status", status=reached)
    body = assert_problem(act(client, as_("bob"), incident["id"], "reopen"), 409)
    assert body["code"] == "invalid_transition"
    assert client.get(f"{BASE}/{incident['id']}", headers=as_("bob")).json()["status"] == reached


def test_a_closed_incident_refuses_every_further_change(client, as_, clock):
    incident = post_incident(client, as_("bob"))
    act(client, as_("bob"), incident["id"], "resolve")
    clock.advance(timedelta(days=1))
    closed = act(client, as_("alice"), incident["id"], "close", override_reason="Known cause")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert ts(closed.json()["closed_at"]) == clock.now()
    before = timeline(client, as_("bob"), incident["id"])
    for action, body in [
        ("updates", {"message": "late news"}),
        ("severity", {"severity": "P0"}),
        ("roles", {"role": "scribe", "person": "sam"}),
        ("status", {"status": "closed"}),
        ("close", {}),
    ]:
        assert_problem(act(client, as_("bob"), incident["id"], action, **body), 409)
    assert timeline(client, as_("bob"), incident["id"]) == before


# --- `at`: true times for things reported late ------------------------------------------


def test_a_back_dated_acknowledgement_keeps_its_true_time_and_is_marked_late(client, as_, clock):
    incident = post_incident(client, as_("bob"))
    declared = clock.now()
    clock.advance(timedelta(minutes=30))
    response = act(
        client, as_("bob"), incident["id"], "acknowledge", at=iso(declared + timedelta(minutes=4))
    )
    assert response.status_code == 200
    assert ts(response.json()["acknowledged_at"]) == declared + timedelta(minutes=4)
    declared_event, ack_event = timeline(client, as_("bob"), incident["id"])
    assert declared_event["late"] is False
    assert ack_event["late"] is True
    assert ts(ack_event["at"]) == declared + timedelta(minutes=4)
    assert ts(ack_event["recorded_at"]) == clock.now()


def test_a_back_dated_declaration_starts_its_clocks_at_the_true_time(client, as_, clock):
    started = clock.now() - timedelta(minutes=20)
    incident = post_incident(client, as_("bob"), at=iso(started))
    assert ts(incident["declared_at"]) == started
    assert ts(incident["ack_due_at"]) == started + timedelta(minutes=15)
    assert ts(incident["ack_due_at"]) < clock.now()
    assert timeline(client, as_("bob"), incident["id"])[0]["late"] is True


def test_a_back_dated_update_falls_into_place_on_the_timeline(client, as_, clock):
    incident = post_incident(client, as_("bob"))
    start = clock.now()
    clock.advance(timedelta(minutes=10))
    act(client, as_("bob"), incident["id"], "status", status="investigating")
    act(
        client,
        as_("bob"),
        incident["id"],
        "updates",
        message="Seen at 09:05",
        at=iso(start + timedelta(minutes=5)),
    )
    events = timeline(client, as_("bob"), incident["id"])
    assert kinds(events) == ["declared", "update", "status"]
    assert [e["late"] for e in events] == [False, True, False]


@pytest.mark.parametrize("action", ["acknowledge", "status", "updates", "resolve"])
def test_an_at_in_the_future_is_422_naming_at(client, as_, clock, action):
    incident = post_incident(client, as_("bob"))
    payload = {"status": {"status": "investigating"}, "updates": {"message": "m"}}.get(action, {})
    future = iso(clock.now() + timedelta(hours=1))
    response = act(client, as_("bob"), incident["id"], action, at=future, **payload)
    problem = assert_problem(response, 422)
    assert problem.get("field") == "at"
    assert "future" in problem["detail"]
    assert kinds(timeline(client, as_("bob"), incident["id"])) == ["declared"]


def test_declaring_in_the_future_is_422_naming_at(client, as_, clock):
    future = iso(clock.now() + timedelta(minutes=10))
    response = client.post(
        BASE, json={"title": "x", "severity": "P1", "at": future}, headers=as_("bob")
    )
    assert assert_problem(response, 422).get("field") == "at"
    assert client.get(BASE, headers=as_("bob")).json()["items"] == []


def test_an_at_before_the_declaration_is_422_naming_at(client, as_, clock):
    incident = post_incident(client, as_("bob"))
    clock.advance(timedelta(hours=1))
    before = iso(clock.now() - timedelta(hours=2))
    body = assert_problem(act(client, as_("bob"), incident["id"], "acknowledge", at=before), 422)
    assert body.get("field") == "at"
    assert "before" in body["detail"] and incident["ref"] in body["detail"]
    current = client.get(f"{BASE}/{incident['id']}", headers=as_("bob")).json()
    assert current["status"] == "triggered"


def test_an_at_without_a_time_zone_is_422_naming_at(client, as_):
    incident = post_incident(client, as_("bob"))
    response = act(client, as_("bob"), incident["id"], "acknowledge", at="2026-11-02T09:01:00")
    body = assert_problem(response, 422)
    assert body["errors"][0]["field"] == "at"


# --- deadlines seen through the API ------------------------------------------------------


def test_an_unacknowledged_p1_is_flagged_once_its_ack_deadline_passes(client, as_, clock, worker):
    incident = post_incident(client, as_("bob"))
    clock.advance(timedelta(minutes=14))
    worker.run_due()
    assert "ack_overdue" not in kinds(timeline(client, as_("bob"), incident["id"]))
    clock.advance(timedelta(minutes=2))
    worker.run_due()
    events = timeline(client, as_("bob"), incident["id"])
    assert kinds(events).count("ack_overdue") == 1
    overdue = next(e for e in events if e["kind"] == "ack_overdue")
    assert overdue["actor"] == "warroom"
    assert "15m" in overdue["text"]
    current = client.get(f"{BASE}/{incident['id']}", headers=as_("bob")).json()
    assert current["escalation_level"] >= 1


def test_an_acknowledged_incident_is_not_flagged_for_a_late_ack(client, as_, clock, worker):
    incident = post_incident(client, as_("bob"))
    clock.advance(timedelta(minutes=5))
    act(client, as_("bob"), incident["id"], "acknowledge")
    clock.advance(timedelta(minutes=20))
    worker.run_due()
    assert "ack_overdue" not in kinds(timeline(client, as_("bob"), incident["id"]))


# --- the whole story ---------------------------------------------------------------------


def test_full_lifecycle_through_the_api_leaves_a_complete_timeline(client, as_, clock):
    bob = as_("bob")
    start = clock.now()
    incident = post_incident(
        client, as_("alice"), title="Payments time out", service="payments", commander="alice"
    )
    ref = incident["ref"]

    def step(minutes: int, action: str, **body: Any) -> dict[str, Any]:
        clock.advance(timedelta(minutes=minutes))
        response = act(client, bob, ref, action, **body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    step(2, "acknowledge")
    step(1, "status", status="investigating")
    step(1, "roles", role="comms", person="carol")
    step(1, "roles", role="responder", person="bob")
    step(1, "updates", message="Payments are failing for some cards", public=True)
    step(5, "status", status="identified", message="Provider outage")
    step(1, "severity", severity="P0", reason="All card payments fail")
    step(5, "status", status="mitigating")
    step(10, "status", status="monitoring")
    step(1, "updates", message="Internal: provider confirmed fix")
    resolved = step(30, "resolve", message="Provider fixed it")
    step(10, "postmortem")  # a P0 closes once its post-mortem is published
    step(10, "postmortem/state", state="published")
    closed = step(40, "close")

    assert closed["status"] == "closed"
    assert closed["severity"] == "P0"
    assert closed["roles"]["commander"] == "alice"
    assert closed["roles"]["comms"] == "carol"
    assert ts(closed["acknowledged_at"]) == start + timedelta(minutes=2)
    assert ts(closed["mitigated_at"]) == start + timedelta(minutes=27)
    assert ts(closed["resolved_at"]) == start + timedelta(minutes=58)
    assert ts(closed["closed_at"]) == start + timedelta(minutes=118)
    assert ts(resolved["postmortem_due_at"]) == start + timedelta(minutes=58, days=2)

    events = client.get(f"{BASE}/{ref}", headers=as_("charlie")).json()["timeline"]
    assert kinds(events) == [
        "declared",
        "role",
        "acknowledged",
        "status",
        "role",
        "role",
        "update",
        "status",
        "severity",
        "status",
        "status",
        "update",
        "status",
        "note",
        "note",
        "status",
    ]
    assert [e["data"].get("to") for e in events if e["kind"] == "status"] == [
        "investigating",
        "identified",
        "mitigating",
        "monitoring",
        "resolved",
        "closed",
    ]
    times = [ts(e["at"]) for e in events]
    assert times == sorted(times)
    assert [e["visibility"] for e in events if e["kind"] == "update"] == ["public", "internal"]
    assert {e["actor"] for e in events[2:]} == {"bob"}
    assert not any(e["late"] for e in events)
