"""The acknowledge page carries the pages' security headers and loads nothing inline;
no page loads from a CDN (/docs is off); /metrics may require a token."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from warroom.config import WarroomConfig, parse_config
from warroom.domain.page_headers import PAGE_HEADERS

METRICS_TOKEN = "m" * 24


@pytest.fixture
def config() -> WarroomConfig:
    return parse_config({"security": {"metrics_token": METRICS_TOKEN}})


def test_the_acknowledge_page_sends_the_pages_security_headers(client: TestClient) -> None:
    for answer in (client.get("/ack/not-a-real-token"), client.post("/ack/not-a-real-token")):
        assert answer.status_code == 404
        for name, value in PAGE_HEADERS.items():
            assert answer.headers[name] == value
        assert "<style" not in answer.text and "<script" not in answer.text
    style = client.get("/ack.css")
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")


def test_no_page_loads_from_a_cdn(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        assert client.get(path).status_code == 404
    assert client.get("/openapi.json").status_code == 200


def test_metrics_need_the_metrics_token_when_one_is_set(client: TestClient, as_: Any) -> None:
    for headers in ({}, as_("alice"), {"Authorization": "Bearer wrong"},
                    {"Authorization": "Bearer \u00e9".encode()}):  # fmt: skip
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401 and "metrics token" in refused.json()["detail"]
    shown = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert shown.status_code == 200 and "warroom_open_incidents" in shown.text
