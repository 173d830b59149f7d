"""RFC 9457 problem+json for every error, so no caller ever sees a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from warroom.errors import TooManyRequests, WarroomError

log = logging.getLogger("warroom.api")
MEDIA_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Unavailable",
}


def problem(
    status: int,
    detail: str,
    code: str,
    *,
    headers: dict[str, str] | None = None,
    field: str | None = None,
    **extra: Any,
) -> JSONResponse:
    if field:
        extra["field"] = field
    body = {
        "type": f"/problems/{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _validation(_: Request | None, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return invalid_input(exc.errors())


def invalid_input(errors: Sequence[Any]) -> JSONResponse:
    """400 for a body that is not JSON, else 422 naming each field refused (pydantic's
    errors, as FastAPI or a model's own validation reports them)."""
    refused = []
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = error.get("ctx", {}).get("error", "malformed")
            return problem(400, f"The request body is not valid JSON ({reason}).", "bad_json")
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        refused.append({"field": _field(tuple(error.get("loc", ()))), "message": message})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in refused) + "."
    return problem(422, detail, "invalid", errors=refused)


def _warroom(_: Request | None, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WarroomError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    return problem(exc.status, exc.message, exc.code, headers=headers, field=exc.field)


def http_error(_: Request | None, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
    if exc.status_code == 404:
        detail = "There is nothing at this path."
    headers = dict(exc.headers) if exc.headers else None
    return problem(exc.status_code, detail, f"http_{exc.status_code}", headers=headers)


def too_large(max_bytes: int) -> JSONResponse:
    return problem(413, f"The request body is over the limit of {max_bytes} bytes.", "too_large")


def database_unavailable(_: Request | None, exc: Exception) -> JSONResponse:
    log.error("database unavailable: %s", exc)
    return problem(
        503,
        "The database is unavailable; nothing was changed.",
        "unavailable",
        headers={"Retry-After": "1"},
    )


def unstorable(request: Request | None, exc: Exception) -> JSONResponse:
    """PostgreSQL stores no NUL character in text: a value holding one, from a path, a
    query or a body, is the sender's mistake (SQLite takes it). Any other data error is
    ours."""
    if "NUL" in str(getattr(exc, "orig", "")):
        return problem(422, "A value holds a NUL character, which cannot be stored.", "invalid")
    return unexpected(request, exc)


def unexpected(_: Request | None, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return problem(500, "Something went wrong on our side; nothing was changed.", "internal")


HANDLERS: dict[type[Exception], Callable[[Any, Exception], Response]] = {
    RequestValidationError: _validation,
    WarroomError: _warroom,
    HTTPException: http_error,
    OperationalError: database_unavailable,
    DataError: unstorable,
    Exception: unexpected,
}


def for_exception(exc: Exception) -> Response:
    """The answer the app's handlers give `exc`, for code outside the app (the lanes)."""
    for kind in type(exc).__mro__:
        if kind in HANDLERS:
            return HANDLERS[kind](None, exc)
    return unexpected(None, exc)


def install(app: FastAPI) -> None:
    for kind, handler in HANDLERS.items():
        app.add_exception_handler(kind, handler)
