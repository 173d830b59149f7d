"""The incident room without a browser: actions, refusals, stale forms, escaping."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from tests.support import declare, in_app
from tests.web.conftest import csrf_of

from warroom.db.models import Alert, Integration
from warroom.domain.access import AccessRole
from warroom.services.access import users
from warroom.services.incidents import lifecycle, timeline

Browse = Callable[[str | None], TestClient]


def status_of(app, incident_id: int) -> str:  # type: ignore[no-untyped-def]
    with app.state.warroom.db.read() as session:
        return lifecycle.get(session, incident_id).status


def post(client: TestClient, path: str, **fields: str) -> object:
    token = csrf_of(client.get("/").text)
    return client.post(path, data={"csrf": token, **fields}, follow_redirects=False)


def test_acknowledge_records_the_signed_in_user_and_returns_to_the_room(
    app, browse: Browse
) -> None:  # type: ignore[no-untyped-def]
    incident_id = declare(*in_app(app), "Checkout fails", severity="P2")
    bob = browse("bob")
    answer = post(bob, f"/incidents/INC-{incident_id}/acknowledge", seen_status="triggered")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert answer.headers["location"] == f"/incidents/INC-{incident_id}"  # type: ignore[attr-defined]
    with app.state.warroom.db.read() as session:
        last = timeline.events_of(session, incident_id)[-1]
    assert (last.kind, last.actor) == ("acknowledged", "bob")


def test_a_viewer_sees_no_buttons_and_a_post_changes_nothing(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    incident_id = declare(*in_app(app), "Checkout fails", severity="P2")
    charlie = browse("charlie")
    page = charlie.get(f"/incidents/INC-{incident_id}").text
    for label in (">Acknowledge<", ">Post update<", ">Resolve<", ">Change severity<"):
        assert label not in page
    answer = post(charlie, f"/incidents/INC-{incident_id}/acknowledge", seen_status="triggered")
    assert answer.status_code == 403  # type: ignore[attr-defined]
    assert status_of(app, incident_id) == "triggered"


def test_a_post_without_the_form_token_is_refused(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    incident_id = declare(*in_app(app), "Checkout fails", severity="P2")
    bob = browse("bob")
    answer = bob.post(
        f"/incidents/INC-{incident_id}/acknowledge", data={"seen_status": "triggered"}
    )
    assert answer.status_code == 403
    assert "security token" in answer.text
    assert status_of(app, incident_id) == "triggered"


def test_a_stale_form_says_who_changed_what_and_changes_nothing(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    incident_id = declare(*in_app(app), "Checkout fails", severity="P2")
    alice, bob = browse("alice"), browse("bob")
    post(alice, f"/incidents/INC-{incident_id}/resolve", seen_status="triggered")
    answer = post(
        bob, f"/incidents/INC-{incident_id}/status", status="identified", seen_status="triggered"
    )
    assert answer.status_code == 409  # type: ignore[attr-defined]
    text = answer.text  # type: ignore[attr-defined]
    assert f"alice (at 09:00 UTC) moved INC-{incident_id} from triggered to resolved" in text
    assert "Nothing was changed" in text
    assert status_of(app, incident_id) == "resolved"


def test_a_stale_severity_form_names_the_new_severity(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    incident_id = declare(*in_app(app), "Checkout fails", severity="P2")
    alice, bob = browse("alice"), browse("bob")
    post(
        alice,
        f"/incidents/INC-{incident_id}/severity",
        severity="P1",
        seen_severity="P2",
        reason="Every card payment fails",
    )
    answer = post(bob, f"/incidents/INC-{incident_id}/severity", severity="P3", seen_severity="P2")
    assert answer.status_code == 409  # type: ignore[attr-defined]
    assert f"changed INC-{incident_id} from P2 to P1" in answer.text  # type: ignore[attr-defined]


def test_a_refused_update_shows_the_error_by_its_field_and_keeps_the_input(
    app, browse: Browse
) -> None:  # type: ignore[no-untyped-def]
    incident_id = declare(*in_app(app), "Checkout fails", severity="P2")
    bob = browse("bob")
    answer = post(bob, f"/incidents/INC-{incident_id}/updates", message="   ", public="on")
    assert answer.status_code == 422  # type: ignore[attr-defined]
    html = answer.text  # type: ignore[attr-defined]
    assert re.search(r'id="update-message"[^>]*aria-invalid="true"', html)
    assert 'id="update-message-error" role="alert">message must not be empty.' in html
    assert re.search(r'id="update-public" name="public" checked', html)


def test_a_refused_role_keeps_the_person_typed(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    incident_id = declare(*in_app(app), "Checkout fails", severity="P2")
    bob = browse("bob")
    post(bob, f"/incidents/INC-{incident_id}/roles", role="scribe", person="dana")
    answer = post(bob, f"/incidents/INC-{incident_id}/roles", role="scribe", person="dana")
    assert answer.status_code == 409  # type: ignore[attr-defined]
    html = answer.text  # type: ignore[attr-defined]
    assert "dana is already scribe" in html
    assert 'value="dana"' in html


def test_html_in_titles_and_updates_is_shown_as_text(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    incident_id = declare(*in_app(app), "<script>alert('title')</script>", severity="P2")
    bob = browse("bob")
    post(bob, f"/incidents/INC-{incident_id}/updates", message="<img src=x onerror=alert(1)>")
    for path in ("/", f"/incidents/INC-{incident_id}", "/incidents?status=all"):
        html = bob.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in html
    page = bob.get(f"/incidents/INC-{incident_id}")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_scripts_posting_in_place_get_no_content(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    incident_id = declare(*in_app(app), "Checkout fails", severity="P2")
    bob = browse("bob")
    token = csrf_of(bob.get("/").text)
    answer = bob.post(
        f"/incidents/INC-{incident_id}/updates",
        data={"csrf": token, "message": "Still digging"},
        headers={"X-Requested-With": "fetch"},
    )
    assert answer.status_code == 204


def test_resolve_then_reopen_from_the_room(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    incident_id = declare(*in_app(app), "Checkout fails", severity="P2")
    bob = browse("bob")
    post(
        bob, f"/incidents/INC-{incident_id}/resolve", message="Rolled back", seen_status="triggered"
    )
    assert status_of(app, incident_id) == "resolved"
    page = bob.get(f"/incidents/INC-{incident_id}").text
    assert ">Reopen<" in page and ">Resolve<" not in page
    post(bob, f"/incidents/INC-{incident_id}/reopen", seen_status="resolved")
    assert status_of(app, incident_id) == "investigating"


def test_an_unknown_incident_is_a_page_that_says_so(browse: Browse) -> None:
    bob = browse("bob")
    for path in ("/incidents/INC-404", "/incidents/not-a-ref"):
        answer = bob.get(path)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        assert "Not found" in answer.text


def test_times_are_in_the_viewers_zone_with_utc_on_hover(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    state = app.state.warroom
    with state.db.write.begin() as session:
        users.create(
            session,
            ctx=state.ctx,
            actor="admin",
            name="oslo",
            role=AccessRole.VIEWER,
            password="long-enough",
            timezone="Europe/Oslo",
        )
    incident_id = declare(*in_app(app), "Checkout fails", severity="P2")
    client = browse(None)
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"csrf": token, "username": "oslo", "password": "long-enough"})
    html = client.get(f"/incidents/INC-{incident_id}").text
    moment = '<time datetime="2026-11-02T09:00:00+00:00" title="2026-11-02 09:00:00 UTC">'
    assert f"{moment}10:00 CET</time>" in html


def test_the_room_lists_the_alerts_attached(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    incident_id = declare(*in_app(app), "Checkout fails", severity="P2")
    state = app.state.warroom
    now = state.ctx.clock.now()
    with state.db.write.begin() as session:
        sender = Integration(name="am", kind="alertmanager", key_hash="x" * 64, created_at=now)
        session.add(sender)
        session.flush()
        session.add(
            Alert(
                integration_id=sender.id,
                incident_id=incident_id,
                dedup_key="k1",
                status="firing",
                summary="HighErrorRate on checkout",
                count=3,
                first_seen_at=now,
                last_seen_at=now,
            )
        )
    html = browse("charlie").get(f"/incidents/INC-{incident_id}").text
    alerts = html[html.index('id="alerts-h"') :]
    assert "HighErrorRate on checkout" in alerts and "3\u00d7" in alerts and ">firing<" in alerts
