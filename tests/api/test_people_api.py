"""People and teams through the API: stored next to the config's, validated like the
config, reachable by paging, and never showing a contact URL or a password hash."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.receivers import Receiver

from warroom.config import WarroomConfig, parse_config
from warroom.db.models import PersonRow
from warroom.scheduler.worker import Worker


@pytest.fixture
def config(hook: Receiver) -> WarroomConfig:
    return parse_config(
        {
            "people": [{"name": "alice", "contacts": [f"json://127.0.0.1:{hook.port}/alice"]}],
            "teams": [{"name": "sre", "members": ["alice"]}],
        }
    )


def add(client: TestClient, as_: Any, **body: Any) -> Any:
    return client.post("/api/v1/people", headers=as_("alice"), json=body)


def test_an_admin_adds_a_person_who_is_listed_beside_the_config_people(
    client: TestClient, as_: Any, hook: Receiver
) -> None:
    url = f"json://127.0.0.1:{hook.port}/erin?token=s3cret"
    created = add(
        client, as_, name="erin", email="erin@example.com", timezone="Europe/Oslo", contacts=[url]
    )
    assert created.status_code == 201, created.text
    assert created.json()["source"] == "api"
    listed = client.get("/api/v1/people", headers=as_("charlie")).json()["items"]
    assert [(p["name"], p["source"]) for p in listed] == [("alice", "config"), ("erin", "api")]
    erin = client.get("/api/v1/people/erin", headers=as_("charlie")).json()
    assert erin["timezone"] == "Europe/Oslo" and erin["email"] == "erin@example.com"
    [contact] = erin["contacts"]
    assert contact["channel"] == "json (127.0.0.1)" and contact["disabled"] is False
    assert "s3cret" not in client.get("/api/v1/people", headers=as_("charlie")).text


def test_contacts_and_time_zones_are_checked_like_the_config_file(
    client: TestClient, as_: Any
) -> None:
    bad_url = add(client, as_, name="erin", contacts=["json://127.0.0.1/x", "nonsense://x"])
    assert bad_url.status_code == 422
    assert bad_url.json()["field"] == "contacts[1]"
    assert "Apprise URL" in bad_url.json()["detail"]
    bad_zone = add(client, as_, name="erin", timezone="Mars/Olympus")
    assert (bad_zone.status_code, bad_zone.json()["field"]) == (422, "timezone")
    bad_name = add(client, as_, name="erin smith")
    assert (bad_name.status_code, bad_name.json()["field"]) == (422, "name")
    bad_hook = add(
        client, as_, name="erin", contacts=["webhook+https://example.com/x?secret=short"]
    )
    assert bad_hook.status_code == 422 and "secret" in bad_hook.json()["detail"]
    umlaut = "webhook+https://example.com/h\u00f6ok?secret=" + "s" * 16
    unsendable = add(client, as_, name="erin", contacts=[umlaut])
    assert unsendable.status_code == 422 and "percent-encode" in unsendable.json()["detail"]
    assert client.get("/api/v1/people/erin", headers=as_("charlie")).status_code == 404


def test_a_name_taken_by_the_config_or_by_a_stored_person_is_a_conflict(
    client: TestClient, as_: Any
) -> None:
    clash = add(client, as_, name="Alice")
    assert clash.status_code == 409 and "config file" in clash.json()["detail"]
    assert add(client, as_, name="erin").status_code == 201
    assert add(client, as_, name="ERIN").status_code == 409
    config_edit = client.patch("/api/v1/people/alice", headers=as_("alice"), json={"email": None})
    assert config_edit.status_code == 409
    assert client.delete("/api/v1/people/alice", headers=as_("alice")).status_code == 409


def test_only_an_admin_changes_people(client: TestClient, as_: Any) -> None:
    assert add(client, as_, name="erin").status_code == 201
    for persona in ("bob", "charlie"):
        assert (
            client.post("/api/v1/people", headers=as_(persona), json={"name": "x"}).status_code
            == 403
        )
        path = "/api/v1/people/erin"
        assert client.patch(path, headers=as_(persona), json={}).status_code == 403
        assert client.delete(path, headers=as_(persona)).status_code == 403
    assert client.get("/api/v1/people").status_code == 401


def test_patch_changes_only_what_it_names_and_delete_removes(client: TestClient, as_: Any) -> None:
    add(client, as_, name="erin", email="erin@example.com", contacts=["json://127.0.0.1/a"])
    path = "/api/v1/people/erin"
    changed = client.patch(path, headers=as_("alice"), json={"timezone": "Asia/Tokyo"})
    assert changed.status_code == 200
    assert (changed.json()["timezone"], changed.json()["email"]) == (
        "Asia/Tokyo",
        "erin@example.com",
    )
    assert len(changed.json()["contacts"]) == 1
    cleared = client.patch(path, headers=as_("alice"), json={"email": None, "contacts": []})
    assert (cleared.json()["email"], cleared.json()["contacts"]) == (None, [])
    wrong = client.patch(path, headers=as_("alice"), json={"role": "admin"})
    assert wrong.status_code == 422
    assert client.patch("/api/v1/people/zed", headers=as_("alice"), json={}).status_code == 404
    assert client.delete(path, headers=as_("alice")).json()["name"] == "erin"
    assert client.get(path, headers=as_("charlie")).status_code == 404


def test_a_password_hash_is_never_shown(client: TestClient, as_: Any, app: Any) -> None:
    add(client, as_, name="erin")
    with app.state.warroom.db.write.begin() as session:
        row = session.query(PersonRow).filter_by(name="erin").one()
        row.role, row.password_hash = "responder", "$argon2id$v=19$secret-hash"
    for path in ("/api/v1/people", "/api/v1/people/erin"):
        text = client.get(path, headers=as_("charlie")).text
        assert "argon2" not in text and "password" not in text
    assert client.get("/api/v1/people/erin", headers=as_("charlie")).json()["role"] == "responder"


def test_teams_hold_config_and_stored_people(client: TestClient, as_: Any) -> None:
    add(client, as_, name="erin")
    created = client.post(
        "/api/v1/teams", headers=as_("alice"), json={"name": "db", "members": ["alice", "erin"]}
    )
    assert created.status_code == 201, created.text
    teams = client.get("/api/v1/teams", headers=as_("charlie")).json()["items"]
    assert [(t["name"], t["source"], t["members"]) for t in teams] == [
        ("sre", "config", ["alice"]),
        ("db", "api", ["alice", "erin"]),
    ]
    unknown = client.post(
        "/api/v1/teams", headers=as_("alice"), json={"name": "web", "members": ["zed"]}
    )
    assert (unknown.status_code, unknown.json()["field"]) == (422, "members")
    empty = client.post("/api/v1/teams", headers=as_("alice"), json={"name": "web", "members": []})
    assert empty.status_code == 422
    assert (
        client.post(
            "/api/v1/teams", headers=as_("alice"), json={"name": "SRE", "members": ["alice"]}
        ).status_code
        == 409
    )
    in_use = client.delete("/api/v1/people/erin", headers=as_("alice"))
    assert in_use.status_code == 409 and "team db" in in_use.json()["detail"]
    patched = client.patch("/api/v1/teams/db", headers=as_("alice"), json={"members": ["alice"]})
    assert patched.json()["members"] == ["alice"]
    assert client.delete("/api/v1/people/erin", headers=as_("alice")).status_code == 200
    assert client.delete("/api/v1/teams/db", headers=as_("alice")).status_code == 200
    assert client.get("/api/v1/teams/db", headers=as_("charlie")).status_code == 404
    assert client.delete("/api/v1/teams/sre", headers=as_("alice")).status_code == 409


def test_a_stored_commander_gets_the_update_reminder(
    client: TestClient, as_: Any, app: Any, hook: Receiver, clock: Any
) -> None:
    from datetime import timedelta

    add(client, as_, name="erin", contacts=[f"json://127.0.0.1:{hook.port}/erin"])
    declared = client.post(
        "/api/v1/incidents",
        headers=as_("bob"),
        json={"title": "Search is slow", "severity": "P1", "commander": "erin"},
    )
    assert declared.status_code == 201
    clock.advance(timedelta(minutes=31))  # P1 asks for an update every 30 minutes
    Worker(app.state.warroom.db, app.state.warroom.ctx).run_due()
    [reminder] = hook.to("/erin")
    assert "INC-1" in reminder.json["title"]


def test_a_test_message_reaches_a_stored_person_and_shows_in_deliveries(
    client: TestClient, as_: Any, app: Any, hook: Receiver
) -> None:
    add(client, as_, name="erin", contacts=[f"json://127.0.0.1:{hook.port}/erin"])
    assert client.post("/api/v1/people/erin/test", headers=as_("bob")).status_code == 403
    queued = client.post("/api/v1/people/erin/test", headers=as_("alice"))
    assert (queued.status_code, queued.json()) == (202, {"person": "erin", "queued": 1})
    pending = client.get("/api/v1/deliveries?status=pending", headers=as_("charlie")).json()
    assert [(d["person"], d["message"]) for d in pending["items"]] == [("erin", "test")]
    Worker(app.state.warroom.db, app.state.warroom.ctx).run_due()
    assert hook.to("/erin")[0].json["title"] == "warroom test notification for erin"
    done = client.get("/api/v1/deliveries?status=done", headers=as_("charlie")).json()["items"]
    assert [(d["status"], d["attempts"], d["channel"]) for d in done] == [
        ("done", 1, "json (127.0.0.1)")
    ]
    bad = client.get("/api/v1/deliveries?status=lost", headers=as_("charlie"))
    assert (bad.status_code, bad.json()["field"]) == (422, "status")
    ref = client.get("/api/v1/deliveries?incident=nope", headers=as_("charlie"))
    assert ref.status_code == 422
    assert client.post("/api/v1/people/zed/test", headers=as_("alice")).status_code == 404


def test_an_admin_turns_a_contact_that_was_refused_for_good_back_on(
    client: TestClient, as_: Any, app: Any, hook: Receiver
) -> None:
    add(client, as_, name="erin", contacts=[f"json://127.0.0.1:{hook.port}/erin"])
    hook.fail_with = [404]  # the endpoint is gone
    assert client.post("/api/v1/people/erin/test", headers=as_("alice")).status_code == 202
    Worker(app.state.warroom.db, app.state.warroom.ctx).run_due()
    [contact] = client.get("/api/v1/people/erin", headers=as_("charlie")).json()["contacts"]
    assert contact["disabled"] is True
    enable = f"/api/v1/people/erin/contacts/{contact['id']}/enable"
    assert client.post(enable, headers=as_("bob")).status_code == 403
    enabled = client.post(enable, headers=as_("alice"))
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["contacts"][0]["disabled"] is False
    assert client.post("/api/v1/people/erin/test", headers=as_("alice")).json()["queued"] == 1
    Worker(app.state.warroom.db, app.state.warroom.ctx).run_due()
    assert [m.json["title"] for m in hook.to("/erin")] == ["warroom test notification for erin"]
    unknown = client.post("/api/v1/people/erin/contacts/nope/enable", headers=as_("alice"))
    assert (unknown.status_code, unknown.json()["field"]) == (404, "contact")
    nobody = client.post(
        f"/api/v1/people/zed/contacts/{contact['id']}/enable", headers=as_("alice")
    )
    assert (nobody.status_code, nobody.json()["field"]) == (404, "name")
