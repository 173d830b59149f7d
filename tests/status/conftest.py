"""Status page fixtures: a config with components and a publishing rule, and helpers
that act through the services as a responder would."""

from __future__ import annotations

from typing import Any

import pytest

from warroom.config import WarroomConfig, parse_config
from warroom.db.engine import Database
from warroom.services.context import Context
from warroom.services.incidents import lifecycle

STATUS_PAGE: dict[str, Any] = {
    "branding": {"name": "Acme Status", "accent": "#0a7d4f"},
    "publish_severities": ["P0"],
    "allow_private_webhooks": True,
    "components": [
        {"name": "API", "group": "Platform", "services": ["checkout", "payments"]},
        {"name": "Website", "description": "www and the shop", "services": ["web"]},
        {"name": "Internal tools", "services": ["admin"], "shown": False},
    ],
}


def status_config(**extra: Any) -> WarroomConfig:
    return parse_config({"status_page": {**STATUS_PAGE, **extra}})


@pytest.fixture
def config() -> WarroomConfig:
    return status_config()


def declare(db: Database, ctx: Context, title: str, **fields: Any) -> int:
    fields.setdefault("severity", "P1")
    fields.setdefault("service", "checkout")
    with db.write.begin() as session:
        incident = lifecycle.declare(session, ctx=ctx, actor="bob", title=title, **fields)
        return incident.id


def update(db: Database, ctx: Context, incident_id: int, text: str, *, public: bool) -> None:
    with db.write.begin() as session:
        lifecycle.post_update(
            session, ctx=ctx, actor="bob", incident_id=incident_id, message=text, public=public
        )
