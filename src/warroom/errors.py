"""Errors a user may see: one sentence each, with a stable code."""

from __future__ import annotations


class WarroomError(Exception):
    """Base of every refusal; `status` is the HTTP status the API answers with."""

    status = 400
    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(WarroomError):
    status = 404
    code = "not_found"


class Conflict(WarroomError):
    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class Unauthorized(WarroomError):
    status = 401
    code = "unauthorized"


class Forbidden(WarroomError):
    status = 403
    code = "forbidden"


class Invalid(WarroomError):
    status = 422
    code = "invalid"


class TooManyRequests(WarroomError):
    """Refused for now: `retry_after` seconds from now the same request may be taken."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


class Unavailable(WarroomError):
    """Nothing was changed, and the same request may succeed when sent again."""

    status = 503
    code = "unavailable"
