"""Post-mortems and action items through the API: drafted from the real timeline,
edited in versions with their authors, reviewed and published, exported as Markdown
that a Markdown library renders with the timeline in order; closing waits for them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import markdown
import pytest

from warroom.scheduler.worker import Worker

BASE = "/api/v1/incidents"


def declare(client: Any, headers: dict[str, str], **fields: Any) -> str:
    body = {"title": "Checkout returns 500", "severity": "P1", "service": "checkout", **fields}
    response = client.post(BASE, json=body, headers=headers)
    assert response.status_code == 201, response.text
    ref: str = response.json()["ref"]
    return ref


def act(client: Any, headers: dict[str, str], ref: str, action: str, **body: Any) -> Any:
    return client.post(f"{BASE}/{ref}/{action}", json=body or None, headers=headers)


def resolved_incident(client: Any, as_: Any, clock: Any) -> str:
    """A P1 written up after the fact: declared 2 h ago, acknowledged, mitigated, resolved."""
    bob = as_("bob")
    start = clock.now() - timedelta(hours=2)
    ref = declare(client, bob, at=start.isoformat(), commander="alice")
    steps = [
        ("acknowledge", {"at": (start + timedelta(minutes=4)).isoformat()}),
        (
            "updates",
            {"message": "Rolling back 4f2c", "at": (start + timedelta(minutes=20)).isoformat()},
        ),
        ("status", {"status": "monitoring", "at": (start + timedelta(minutes=30)).isoformat()}),
        (
            "resolve",
            {
                "message": "Error rate back to baseline",
                "at": (start + timedelta(minutes=90)).isoformat(),
            },
        ),
    ]
    for action, body in steps:
        assert act(client, bob, ref, action, **body).status_code in (200, 201)
    return ref


def test_resolving_a_p1_drafts_its_post_mortem_with_the_real_timeline(
    client: Any, as_: Any, clock: Any, worker: Worker
) -> None:
    ref = resolved_incident(client, as_, clock)
    worker.run_due()  # the draft is background work after the resolve
    response = client.get(f"{BASE}/{ref}/postmortem", headers=as_("charlie"))
    assert response.status_code == 200, response.text
    postmortem = response.json()
    assert postmortem["state"] == "draft" and postmortem["author"] == "warroom"
    body = postmortem["body"]
    for section in (
        "## Timeline",
        "## Root cause",
        "## Contributing factors",
        "## Resolution",
        "## What went well",
        "## What went poorly",
        "## Action items",
        "## Lessons learned",
        "## Alerts and checks involved",
    ):
        assert section in body
    assert "| Duration | 1h30m |" in body
    assert "Rolling back 4f2c" in body and "Error rate back to baseline" in body
    assert body.count("Why?") == 5
    declared = clock.now() - timedelta(hours=2)
    assert (
        postmortem["export_path"]
        == f"reports/incidents/{declared:%Y-%m-%d}-checkout-returns-500.md"
    )


def test_the_exported_markdown_renders_with_the_timeline_in_order(
    client: Any, as_: Any, clock: Any
) -> None:
    ref = resolved_incident(client, as_, clock)
    assert act(client, as_("bob"), ref, "postmortem").status_code == 201
    text = client.get(f"{BASE}/{ref}/postmortem.md", headers=as_("charlie"))
    assert text.headers["content-type"].startswith("text/markdown")
    html = markdown.markdown(text.text, extensions=["tables"])
    assert "<h1>Post-mortem: " in html and "<table>" in html
    timeline = html.split("<h2>Timeline</h2>")[1].split("<h2>")[0]
    order = [
        timeline.index(words)
        for words in (
            "Acknowledged by bob",
            "Rolling back 4f2c",
            "Status acknowledged → monitoring",
            "Error rate back to baseline",
        )
    ]
    assert order == sorted(order)
    page = client.get(f"{BASE}/{ref}/postmortem.html", headers=as_("charlie"))
    assert page.status_code == 200 and "<h2>Timeline</h2>" in page.text


def test_every_edit_is_a_version_with_its_author_and_a_diff_between_two(
    client: Any, as_: Any, clock: Any
) -> None:
    ref = resolved_incident(client, as_, clock)
    draft = act(client, as_("bob"), ref, "postmortem").json()
    new_body = draft["body"].replace(
        "## Contributing factors\n\n-", "## Contributing factors\n\n- A deploy without a canary"
    )
    edited = client.put(
        f"{BASE}/{ref}/postmortem", json={"body": new_body, "base_version": 1}, headers=as_("alice")
    )
    assert edited.status_code == 200 and edited.json()["version"] == 2
    stale = client.put(
        f"{BASE}/{ref}/postmortem", json={"body": "other", "base_version": 1}, headers=as_("bob")
    )
    assert stale.status_code == 409 and stale.json()["field"] == "base_version"
    versions = client.get(f"{BASE}/{ref}/postmortem/versions", headers=as_("charlie")).json()
    assert [(v["number"], v["author"]) for v in versions["items"]] == [(2, "alice"), (1, "bob")]
    diff = client.get(
        f"{BASE}/{ref}/postmortem/diff", params={"from": 1, "to": 2}, headers=as_("charlie")
    )
    assert "+- A deploy without a canary" in diff.text


def test_states_move_from_draft_to_review_to_published(client: Any, as_: Any, clock: Any) -> None:
    ref = resolved_incident(client, as_, clock)
    act(client, as_("bob"), ref, "postmortem")
    assert (
        act(client, as_("bob"), ref, "postmortem/state", state="in review").json()["state"]
        == "in_review"
    )
    published = act(client, as_("bob"), ref, "postmortem/state", state="published").json()
    assert published["state"] == "published" and published["published_at"] is not None
    refused = act(client, as_("bob"), ref, "postmortem/state", state="in_review")
    assert refused.status_code == 409 and refused.json()["field"] == "state"
    viewer = act(client, as_("charlie"), ref, "postmortem/state", state="draft")
    assert viewer.status_code == 403


def test_a_post_mortem_for_an_unresolved_incident_needs_asking_explicitly(
    client: Any, as_: Any
) -> None:
    ref = declare(client, as_("bob"))
    refused = act(client, as_("bob"), ref, "postmortem")
    assert refused.status_code == 409
    assert "not resolved" in refused.json()["detail"]
    forced = act(client, as_("bob"), ref, "postmortem", unresolved=True)
    assert forced.status_code == 201 and forced.json()["state"] == "draft"


def test_closing_needs_the_published_post_mortem_or_an_admins_reason(
    client: Any, as_: Any, clock: Any
) -> None:
    ref = resolved_incident(client, as_, clock)
    refused = act(client, as_("bob"), ref, "close")
    assert refused.status_code == 409 and refused.json()["field"] == "postmortem"
    not_admin = act(client, as_("bob"), ref, "close", override_reason="Later")
    assert not_admin.status_code == 403
    act(client, as_("bob"), ref, "postmortem")
    act(client, as_("bob"), ref, "postmortem/state", state="published")
    closed = act(client, as_("bob"), ref, "close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_an_admin_closes_without_one_and_the_timeline_keeps_the_reason(
    client: Any, as_: Any, clock: Any
) -> None:
    ref = resolved_incident(client, as_, clock)
    closed = act(client, as_("alice"), ref, "close", override_reason="Vendor outage, their RCA")
    assert closed.status_code == 200
    events = client.get(f"{BASE}/{ref}/timeline", headers=as_("bob")).json()["items"]
    assert "Vendor outage, their RCA" in events[-1]["text"]


def test_a_p2_closes_without_a_post_mortem(client: Any, as_: Any) -> None:
    ref = declare(client, as_("bob"), severity="P2")
    act(client, as_("bob"), ref, "resolve")
    assert act(client, as_("bob"), ref, "close").status_code == 200


def test_overdue_post_mortems_are_listed(client: Any, as_: Any, clock: Any) -> None:
    ref = resolved_incident(client, as_, clock)
    assert client.get("/api/v1/postmortems/overdue", headers=as_("charlie")).json()["items"] == []
    clock.advance(timedelta(days=2))
    [late] = client.get("/api/v1/postmortems/overdue", headers=as_("charlie")).json()["items"]
    assert late["ref"] == ref and late["state"] is None


# --- action items --------------------------------------------------------------------


@pytest.fixture
def erin(client: Any, as_: Any) -> str:
    person = {"name": "erin", "contacts": ["json://127.0.0.1:9/erin"]}
    assert client.post("/api/v1/people", json=person, headers=as_("alice")).status_code == 201
    return "erin"


def test_action_items_have_owners_due_dates_and_show_as_overdue(
    client: Any, as_: Any, clock: Any, erin: str, worker: Worker
) -> None:
    ref = resolved_incident(client, as_, clock)
    due = (clock.now() + timedelta(days=3)).isoformat()
    item = {"title": "Canary every deploy", "owner": erin, "due_at": due, "kind": "prevent"}
    made = client.post(f"{BASE}/{ref}/action-items", json=item, headers=as_("bob"))
    assert made.status_code == 201, made.text
    item_id = made.json()["id"]
    items = "/api/v1/action-items"
    listed = client.get(items, params={"owner": erin}, headers=as_("charlie")).json()
    assert [i["title"] for i in listed["items"]] == ["Canary every deploy"]
    assert client.get(items, params={"overdue": True}, headers=as_("charlie")).json()["items"] == []
    clock.advance(timedelta(days=3, seconds=1))
    worker.run_due()
    [late] = client.get(items, params={"overdue": True}, headers=as_("charlie")).json()["items"]
    assert late["id"] == item_id and late["overdue"] is True
    events = client.get(f"{BASE}/{ref}/timeline", headers=as_("bob")).json()["items"]
    assert any("is due (erin reminded)" in e["text"] for e in events)
    done = client.post(
        f"/api/v1/action-items/{item_id}/status", json={"status": "done"}, headers=as_("bob")
    )
    assert done.json()["status"] == "done" and done.json()["overdue"] is False
    issue = client.get(f"/api/v1/action-items/{item_id}/issue", headers=as_("charlie"))
    assert issue.text.startswith("### Canary every deploy") and f"/incidents/{ref}" in issue.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"owner": "nobody-we-know"}, "owner"),
        ({"due_at": "2020-01-01T00:00:00Z"}, "due_at"),
        ({"kind": "blame"}, "kind"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_action_items_are_refused_naming_the_field(
    client: Any, as_: Any, clock: Any, erin: str, change: dict[str, str], field: str
) -> None:
    ref = declare(client, as_("bob"))
    item = {
        "title": "Fix it",
        "owner": erin,
        "due_at": (clock.now() + timedelta(days=1)).isoformat(),
        **change,
    }
    refused = client.post(f"{BASE}/{ref}/action-items", json=item, headers=as_("bob"))
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == field


# --- reports --------------------------------------------------------------------------


def test_the_report_answers_json_and_csv_and_an_empty_range_is_empty(
    client: Any, as_: Any, clock: Any
) -> None:
    import csv
    import io

    resolved_incident(client, as_, clock)
    report = client.get(
        "/api/v1/reports", params={"since": "7d", "by": "severity"}, headers=as_("charlie")
    ).json()
    [p1] = report["rows"]
    assert p1["key"] == "P1" and p1["mtta_seconds"] == 240.0 and p1["mttr_seconds"] == 5400.0
    assert p1["ack_sla"] == 1.0
    text = client.get(
        "/api/v1/reports",
        params={"since": "7d", "by": "severity", "format": "csv"},
        headers=as_("charlie"),
    ).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["severity"] == "P1" and rows[0]["mtta_seconds"] == "240.0"
    assert rows[-1]["severity"] == "total"
    empty = client.get(
        "/api/v1/reports",
        params={"since": "2025-01-01", "until": "2025-02-01"},
        headers=as_("charlie"),
    )
    assert empty.status_code == 200 and empty.json()["total"]["incidents"] == 0
    bad = client.get("/api/v1/reports", params={"since": "last tuesday"}, headers=as_("charlie"))
    assert bad.status_code == 422 and bad.json()["field"] == "since"


def test_similar_past_incidents_through_the_api(client: Any, as_: Any, clock: Any) -> None:
    past = resolved_incident(client, as_, clock)
    fresh = declare(client, as_("bob"), title="Checkout returns 502")
    items = client.get(f"{BASE}/{fresh}/similar", headers=as_("charlie")).json()["items"]
    assert [item["ref"] for item in items] == [past]
    assert items[0]["how"] == "resolved in 1h30m: Error rate back to baseline"


def test_the_commander_is_reminded_of_a_late_post_mortem_unless_it_is_published(
    client: Any, as_: Any, clock: Any, worker: Worker
) -> None:
    late, done = resolved_incident(client, as_, clock), resolved_incident(client, as_, clock)
    worker.run_due()  # both drafted
    act(client, as_("bob"), done, "postmortem/state", state="published")
    clock.advance(timedelta(days=2))
    worker.run_due()

    def kinds(ref: str) -> list[str]:
        events = client.get(f"{BASE}/{ref}/timeline", headers=as_("bob")).json()["items"]
        return [e["kind"] for e in events]

    assert "postmortem_due" in kinds(late)
    assert "postmortem_due" not in kinds(done)


def test_time_to_detect_counts_from_the_alerts_start_and_the_draft_lists_the_alert(
    client: Any, as_: Any, clock: Any
) -> None:
    import json

    created = client.post(
        "/api/v1/integrations", headers=as_("alice"), json={"name": "mon", "kind": "generic"}
    ).json()
    started = clock.now() - timedelta(minutes=10)
    alert = {
        "summary": "Checkout error rate 9%",
        "dedup_key": "co-err",
        "severity": "P1",
        "service": "checkout",
        "labels": {"alertname": "HighErrors"},
        "started_at": started.isoformat(),
    }
    sent = client.post(f"/api/v1/ingest/{created['key']}/generic", content=json.dumps(alert))
    assert sent.status_code == 202, sent.text
    [incident] = client.get(BASE, headers=as_("charlie")).json()["items"]
    clock.advance(timedelta(seconds=1))  # a range ends before its `until`: ask a moment later
    report = client.get("/api/v1/reports", params={"since": "1d"}, headers=as_("charlie")).json()
    assert report["total"]["mttd_seconds"] == 600.0, report
    assert report["total"]["detected"] == 1
    draft = act(client, as_("bob"), incident["ref"], "postmortem", unresolved=True).json()
    assert f"| Impact started | {started:%Y-%m-%d %H:%M:%S} UTC |" in draft["body"]
    assert "- Checkout error rate 9% (1\N{MULTIPLICATION SIGN}, first " in draft["body"]


def test_action_items_listed_in_the_post_mortem_are_made_once(
    client: Any, as_: Any, clock: Any, erin: str
) -> None:
    ref = resolved_incident(client, as_, clock)
    body = act(client, as_("bob"), ref, "postmortem").json()["body"]
    listed = (
        "## Action items\n\n"
        f"- [ ] Alert on error budget burn (detect, owner {erin}, due 2026-11-20)\n"
        f"- [ ] Runbook for rollbacks (process, owner {erin}, due 2026-11-27)\n"
    )
    start = body.index("## Action items")
    end = body.index("## Lessons learned")
    edited = body[:start] + listed + "\n" + body[end:]
    assert (
        client.put(
            f"{BASE}/{ref}/postmortem", json={"body": edited}, headers=as_("bob")
        ).status_code
        == 200
    )
    made = act(client, as_("bob"), ref, "postmortem/action-items")
    assert made.status_code == 201, made.text
    assert [(i["title"], i["owner"], i["kind"]) for i in made.json()["items"]] == [
        ("Alert on error budget burn", erin, "detect"),
        ("Runbook for rollbacks", erin, "process"),
    ]
    assert act(client, as_("bob"), ref, "postmortem/action-items").json()["items"] == []  # once
    ghost = edited.replace(f"(process, owner {erin},", "(process, owner ghost,").replace(
        "Runbook for rollbacks", "Runbook for restores"
    )
    client.put(f"{BASE}/{ref}/postmortem", json={"body": ghost}, headers=as_("bob"))
    refused = act(client, as_("bob"), ref, "postmortem/action-items")
    assert refused.status_code == 422 and refused.json()["field"] == "owner"
    assert refused.json()["detail"].startswith("line ")
    items = client.get("/api/v1/action-items", params={"incident": ref}, headers=as_("bob")).json()
    assert len(items["items"]) == 2  # all or none


def test_out_of_range_numbers_are_refused_not_failed(client: Any, as_: Any, clock: Any) -> None:
    ref = resolved_incident(client, as_, clock)
    act(client, as_("bob"), ref, "postmortem")
    huge = 10**12
    for path in (
        f"{BASE}/{ref}/postmortem/versions/{huge}",
        f"{BASE}/{ref}/postmortem/diff?from=1&to={huge}",
    ):
        assert client.get(path, headers=as_("charlie")).status_code == 404, path
    gone = client.post(
        f"/api/v1/action-items/{huge}/status", json={"status": "done"}, headers=as_("bob")
    )
    assert gone.status_code == 404
    far = client.get("/api/v1/reports", params={"since": "99999999999d"}, headers=as_("charlie"))
    assert far.status_code == 422 and far.json()["field"] == "since"
