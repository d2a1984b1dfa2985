"""Passwords (scrypt), random tokens and a bounded login rate limit.

Shared by every server that logs people in. The county server uses it; the hall's
``queue_server/auth.py`` has the same helpers and should import them from here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import deque

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` for storage."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a :func:`hash_password` string."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def new_token(nbytes: int = 24) -> str:
    """A fresh random token for a device, a session or a hall."""
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """What is stored instead of a token: a copied database hands out no working tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


class RateLimiter:
    """At most ``limit`` failures per ``window`` seconds for one key, in at most ``max_keys`` keys."""

    def __init__(self, limit: int = 5, window: float = 300.0, max_keys: int = 10000):
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, key: str, now: float) -> float:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        q = self._failures.get(key)
        if not q:
            return 0.0
        while q and q[0] <= now - self.window:
            q.popleft()
        if not q:
            del self._failures[key]
            return 0.0
        if len(q) < self.limit:
            return 0.0
        return q[0] + self.window - now

    def fail(self, key: str, now: float) -> None:
        if key not in self._failures and len(self._failures) >= self.max_keys:
            # Forget the oldest key rather than grow without bound under a flood of names.
            self._failures.pop(next(iter(self._failures)))
        q = self._failures.setdefault(key, deque())
        q.append(now)
        while len(q) > self.limit:
            q.popleft()

    def reset(self, key: str) -> None:
        self._failures.pop(key, None)
