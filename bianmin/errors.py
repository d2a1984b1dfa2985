"""Typed errors of the hall and the county servers: an HTTP status, a stable code and a
Chinese message for people.

Shared here (plain Python, no server dependency) so both servers answer errors in the same
shape, ``{"error": {"code", "message"[, "field"]}}``. Each server renders them in its one
place: ``queue_server.web.error_middleware`` (JSON for the API, a page for browsers) and
``county.web.error_middleware`` (JSON only; the county serves no HTML error pages).
"""

from __future__ import annotations


class AppError(Exception):
    """Base error. ``message`` is shown to the user as is, so it must be Chinese and actionable.

    ``status`` is always the HTTP status (an int); ``code`` is stable for programs; ``field``
    names the request field at fault; ``detail`` is the technical cause, for the log only
    (never sent). Every error has all four, so callers never need ``getattr``.
    Anything that is not an ``AppError`` is a programming error: the middleware logs it with
    its traceback and answers 500, so it shows in logs and fails tests.
    """

    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        field: str | None = None,
        detail: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.field = field
        self.detail = detail

    def to_dict(self) -> dict[str, dict[str, str]]:
        err = {"code": self.code, "message": self.message}
        if self.field:
            err["field"] = self.field
        return {"error": err}


class BadRequest(AppError):
    """The request is malformed or a field is invalid (400)."""

    status = 400
    code = "bad_request"


class Unauthorized(AppError):
    """No valid session or device token (401)."""

    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    """Authenticated, but not allowed to act here (403)."""

    status = 403
    code = "forbidden"


class NotFound(AppError):
    """The thing asked for does not exist (404)."""

    status = 404
    code = "not_found"


class Conflict(AppError):
    """The action does not fit the current state of the queue (409)."""

    status = 409
    code = "conflict"


class TooLarge(AppError):
    """The request body is larger than the endpoint accepts (413)."""

    status = 413
    code = "too_large"


class TooManyRequests(AppError):
    """Rate limit hit (429)."""

    status = 429
    code = "too_many_requests"


class Unavailable(AppError):
    """The server cannot serve right now, e.g. the database is busy (503)."""

    status = 503
    code = "unavailable"
