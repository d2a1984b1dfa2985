"""Passwords, tokens and the login rate limit, shared by the hall and the county server.

Passwords use scrypt (slow on purpose); device, session and hall tokens are random and
only their SHA-256 is stored, so a copied database does not hand out working tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import OrderedDict, deque

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
    """A fresh random token for a device, a session, a ticket or a hall.

    Never starting with "-": one in 64 would, and ``--token T`` on a kiosk's or display's
    command line (the launcher's, a README's) would then be read as a missing value."""
    while True:
        token = secrets.token_urlsafe(nbytes)
        if not token.startswith("-"):
            return token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RateLimiter:
    """At most ``limit`` attempts per ``window`` seconds for one key.

    :meth:`take` checks and counts in one step (nothing awaits between the two), so a flood
    of concurrent attempts cannot all pass the check before any is counted. An attempt the
    limiter refuses is not counted. A success gives its attempt back with :meth:`release`.
    Keys are kept in the order of their last attempt, so those nobody tried within the
    window sit at the front and go as each new key arrives: memory follows the attempts
    of the last window, not every key ever tried, and ``max_keys`` caps even a flood.
    """

    def __init__(self, limit: int = 5, window: float = 300.0, *, max_keys: int = 10_000):
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._tries: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._tries)

    def retry_after(self, key: str, now: float) -> float:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        q = self._tries.get(key)
        if not q:
            return 0.0
        while q and q[0] <= now - self.window:
            q.popleft()
        if not q:
            del self._tries[key]
            return 0.0
        if len(q) < self.limit:
            return 0.0
        return q[0] + self.window - now

    def take(self, key: str, now: float) -> None:
        """Count one attempt for ``key`` (call only after :meth:`retry_after` said 0)."""
        q = self._tries.get(key)
        if q is None:
            self._expire(now)
            self._tries[key] = deque([now])
            if len(self._tries) > self.max_keys:  # a flood within one window: the least recent go
                self._tries.popitem(last=False)
        else:
            self._tries.move_to_end(key)
            q.append(now)

    def release(self, key: str, now: float) -> None:
        """Give back the latest attempt of ``key`` (it succeeded)."""
        q = self._tries.get(key)
        if q:
            q.pop()
            if not q:
                del self._tries[key]

    def reset(self, key: str) -> None:
        self._tries.pop(key, None)

    def reset_prefix(self, prefix: str) -> None:
        """Forget every key starting with ``prefix`` (a login's lock at every address)."""
        for key in [k for k in self._tries if k.startswith(prefix)]:
            del self._tries[key]

    def _expire(self, now: float) -> None:
        """Drop keys from the front while their last attempt is older than the window."""
        while self._tries:
            key, q = next(iter(self._tries.items()))
            if q and q[-1] > now - self.window:
                return
            del self._tries[key]


def token_ok(token: str) -> bool:
    """A token as we issue them: URL-safe ASCII (headers and cookies may carry any bytes)."""
    return 0 < len(token) <= 200 and token.isascii() and token.isprintable()
