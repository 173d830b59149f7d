"""What the API's handlers share: made once by create_app, kept on app.state."""

from __future__ import annotations

from dataclasses import dataclass

from warroom.config import Settings
from warroom.db.engine import Database
from warroom.services.context import Context


@dataclass(frozen=True)
class ApiState:
    settings: Settings
    db: Database
    ctx: Context
