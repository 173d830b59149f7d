"""Refusals on pages: a sign-in wall that redirects, and errors shown as HTML, not JSON."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from warroom.errors import WarroomError
from warroom.web import render


class SignInRequired(Exception):
    """No valid session (or token) came with a page request."""


class PageRefused(Exception):
    """A refusal to show as a page (the API shows the same refusal as problem+json)."""

    def __init__(self, error: WarroomError) -> None:
        super().__init__(error.message)
        self.error = error


def _sign_in(request: Request, _: Exception) -> Response:
    if "text/event-stream" in request.headers.get("accept", ""):
        return PlainTextResponse("Sign in first.", status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = request.headers.get("referer", "/").removeprefix(str(request.base_url)[:-1])
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageRefused)
    error = exc.error
    return render.page(
        request,
        "error.html.j2",
        status=error.status,
        title=render.TITLES.get(error.status, "Refused"),
        message=error.message,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(PageRefused, _refused)
