"""Typed errors of the county server, rendered in one place (:mod:`county.web`).

Same shape as the hall's (``{"error": {"code", "message"}}``); the county may not import
``queue_server``, so it has its own small copy (to move into ``bianmin`` with the hall's).
"""

from __future__ import annotations


class CountyError(Exception):
    """Base error; ``message`` is shown to people as is (Chinese, actionable)."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status

    def to_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


class BadRequest(CountyError):
    status = 400


class Unauthorized(CountyError):
    status = 401
    code = "unauthorized"


class Forbidden(CountyError):
    status = 403
    code = "forbidden"


class NotFound(CountyError):
    status = 404
    code = "not_found"


class Conflict(CountyError):
    status = 409
    code = "conflict"


class TooLarge(CountyError):
    status = 413
    code = "too_large"


class TooManyRequests(CountyError):
    status = 429
    code = "too_many_requests"


class Unavailable(CountyError):
    status = 503
    code = "unavailable"
