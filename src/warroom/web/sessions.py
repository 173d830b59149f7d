"""Signed session cookies: who is signed in and their CSRF token, HttpOnly and SameSite."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from warroom.web.state import web_state

COOKIE = "warroom_session"
MAX_AGE = 14 * 24 * 3600  # two weeks; a password change ends every session before it
SALT = "warroom.web.session"


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(web_state(request).session_key(), salt=SALT)


def read(request: Request) -> dict[str, Any]:
    """The session's content; empty when the cookie is missing, forged or too old."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return {}
    try:
        data = _serializer(request).loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return {}
    return data if isinstance(data, dict) else {}


def write(request: Request, response: Response, data: dict[str, Any]) -> None:
    response.set_cookie(
        COOKIE,
        _serializer(request).dumps(data),
        max_age=MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=web_state(request).secure_cookies,
    )


def clear(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=web_state(request).secure_cookies
    )


def new_csrf() -> str:
    return secrets.token_urlsafe(24)
