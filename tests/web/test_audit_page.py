"""/audit: an admin sees who changed the setup, from any door; others cannot see it."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from tests.web.conftest import csrf_of

Browse = Callable[[str | None], TestClient]


def _rows(html: str) -> list[str]:
    return html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]


def test_an_admin_sees_who_changed_the_setup(browse: Browse) -> None:
    alice = browse("alice")
    before = alice.get("/audit")
    assert before.status_code == 200 and "user.create" in before.text  # the personas
    token = csrf_of(before.text)
    alice.post("/integrations", data={"csrf": token, "name": "prom", "kind": "alertmanager"})
    alice.post("/integrations/prom/disable", data={"csrf": token})

    page = alice.get("/audit").text
    rows = _rows(page)
    assert len(rows) == len(_rows(before.text)) + 2
    assert "alice" in rows[0] and "integration.disable" in rows[0] and "prom" in rows[0]
    assert "integration.create" in rows[1]
    assert 'href="/audit"' in page

    bob = browse("bob")
    assert bob.get("/audit").status_code == 403
    assert 'href="/audit"' not in bob.get("/").text
