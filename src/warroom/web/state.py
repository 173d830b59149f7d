"""What the web pages share: made once by `install`, kept on app.state.web."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from fastapi import Request

from warroom.db.engine import Database
from warroom.services.access import sessions
from warroom.services.context import Context
from warroom.web.sign_ins import SignInGuard

if TYPE_CHECKING:
    from jinja2 import Environment


@dataclass
class WebState:
    db: Database
    ctx: Context
    secure_cookies: bool  # the public URL is https: cookies travel only over TLS
    sign_ins: SignInGuard
    public_url: str | None = None  # WARROOM_PUBLIC_URL; unset, pages use the request's host
    _key: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @cached_property
    def templates(self) -> Environment:
        """Made on the first page, not at start: Jinja2 is not needed to answer the API."""
        from warroom.web.render import environment

        return environment()

    def session_key(self) -> str:
        """The cookie-signing key, read (or made) once from the database."""
        with self._lock:
            if self._key is None:
                self._key = sessions.signing_key(self.db, ctx=self.ctx)
            return self._key


def public_base(request: Request) -> str:
    """The base of URLs a page shows: WARROOM_PUBLIC_URL, else the address the browser
    reached this page at."""
    return web_state(request).public_url or str(request.base_url).rstrip("/")


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state
