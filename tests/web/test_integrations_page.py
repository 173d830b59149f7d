"""/integrations: admins add alert senders (the URL shown once works at once), rotate a
key (the old URL stops working), disable one; others cannot see the page."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from tests.web.conftest import csrf_of

Browse = Callable[[str | None], TestClient]
ALERT = {
    "version": "4",
    "status": "firing",
    "receiver": "warroom",
    "groupLabels": {},
    "commonLabels": {},
    "commonAnnotations": {},
    "externalURL": "",
    "groupKey": "g",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "DiskFull"},
            "annotations": {"summary": "Disk full on db1"},
            "fingerprint": "f1",
            "startsAt": "2026-11-02T09:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
        }
    ],
}


def shown_url(html: str) -> str:
    found = re.search(r'<code id="shown-url">http://[^/]+(/api/v1/ingest/\w+/\w+)</code>', html)
    assert found, "no URL shown"
    return found.group(1)


def send(client: TestClient, path: str) -> int:
    return client.post(path, content=json.dumps(ALERT)).status_code


def test_an_admin_adds_rotates_and_disables_an_integration(browse: Browse) -> None:
    alice = browse("alice")
    page = alice.get("/integrations")
    assert page.status_code == 200 and "No integrations yet" in page.text
    token = csrf_of(page.text)
    added = alice.post(
        "/integrations", data={"csrf": token, "name": "prom", "kind": "alertmanager"}
    )
    assert added.status_code == 201
    first = shown_url(added.text)
    assert first.endswith("/alertmanager")
    assert send(alice, first) == 202
    listed = alice.get("/integrations").text
    assert "prom" in listed and "taking alerts" in listed and "shown-url" not in listed

    rotated = alice.post("/integrations/prom/rotate-key", data={"csrf": token})
    second = shown_url(rotated.text)
    assert second != first
    assert (send(alice, first), send(alice, second)) == (404, 202)

    disabled = alice.post(
        "/integrations/prom/disable", data={"csrf": token}, follow_redirects=False
    )
    assert (disabled.status_code, disabled.headers["location"]) == (303, "/integrations")
    assert ">disabled</strong>" in alice.get("/integrations").text
    assert send(alice, second) == 403


def test_a_refused_integration_keeps_what_was_typed_and_names_the_field(browse: Browse) -> None:
    alice = browse("alice")
    token = csrf_of(alice.get("/integrations").text)
    alice.post("/integrations", data={"csrf": token, "name": "prom", "kind": "generic"})
    again = alice.post("/integrations", data={"csrf": token, "name": "prom", "kind": "sentry"})
    assert again.status_code == 409
    assert "an integration named &#39;prom&#39; already exists." in again.text
    assert 'value="prom"' in again.text and '<option value="sentry" selected>' in again.text
    short = alice.post(
        "/integrations",
        data={"csrf": token, "name": "signed", "kind": "generic", "hmac_secret": "short"},
    )
    assert short.status_code == 422
    assert 'id="hmac_secret"' in short.text and 'aria-invalid="true"' in short.text
    assert "hmac_secret must be 16 to 200 characters." in short.text


def test_only_admins_see_or_use_the_page(browse: Browse) -> None:
    bob, charlie = browse("bob"), browse("charlie")
    assert 'href="/integrations"' not in bob.get("/").text
    assert 'href="/integrations"' in browse("alice").get("/").text
    assert charlie.get("/integrations").status_code == 403
    token = csrf_of(bob.get("/").text)
    refused = bob.post("/integrations", data={"csrf": token, "name": "x", "kind": "generic"})
    assert refused.status_code == 403


def test_without_a_public_url_the_shown_url_uses_the_address_the_page_was_reached_at(
    browse: Browse,
) -> None:
    alice = browse("alice")
    token = csrf_of(alice.get("/integrations").text)
    added = alice.post("/integrations", data={"csrf": token, "name": "graf", "kind": "grafana"})
    found = re.search(r'<code id="shown-url">([^<]+)</code>', added.text)
    assert found and found.group(1).startswith("http://testserver/api/v1/ingest/")


def test_an_integration_added_with_its_own_limit_shows_it(browse: Browse) -> None:
    alice = browse("alice")
    token = csrf_of(alice.get("/integrations").text)
    form = {"csrf": token, "name": "chatty", "kind": "generic", "rate": "2.5", "burst": "many"}
    refused = alice.post("/integrations", data=form)
    assert refused.status_code == 422
    assert 'id="burst-error" role="alert">burst must be a number.' in refused.text
    assert 'value="2.5"' in refused.text  # what was typed stays
    added = alice.post("/integrations", data={**form, "burst": "40"})
    assert added.status_code == 201
    assert "2.5/s, at most 40" in alice.get("/integrations").text
