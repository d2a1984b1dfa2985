"""Typed errors: each carries an HTTP status, a stable code and a Chinese message for people.

They live in :mod:`bianmin.errors` (shared with the county server) and are rendered in one
place: ``queue_server.web.error_middleware`` (JSON for the API, HTML for pages).
"""

from __future__ import annotations

from bianmin.errors import (
    AppError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    TooLarge,
    TooManyRequests,
    Unauthorized,
    Unavailable,
)

__all__ = [
    "AppError",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "NotFound",
    "TooLarge",
    "TooManyRequests",
    "Unauthorized",
    "Unavailable",
]
