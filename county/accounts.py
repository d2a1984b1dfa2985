"""County users (scrypt passwords, sessions, a login rate limit) and hall tokens."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import asyncpg

from bianmin.errors import BadRequest, Conflict, NotFound, TooManyRequests, Unauthorized
from bianmin.passwords import RateLimiter, hash_password, new_token, token_hash, verify_password

SESSION_HOURS = 12
TOKEN_CACHE_S = 5.0  # a revoked token is refused at once here, and within this long elsewhere
# Revocations are looked up since the last look minus this margin (a revoking statement's
# now() is its start, a moment before it commits).
REVOKED_MARGIN = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class User:
    id: int
    login: str
    name: str


LOGIN_ATTEMPTS = 5  # per login name and per address, in LOGIN_WINDOW_S
LOGIN_WINDOW_S = 300


class Accounts:
    def __init__(self, pool: asyncpg.Pool, *, workers: int = 1):
        self.pool = pool
        # Each of ``workers`` server processes (county.workers) counts its own attempts and
        # allows its share, rounded up and at least 2: with 2 workers 6 in all, not 5.
        self.limiter = RateLimiter(limit=max(2, -(-LOGIN_ATTEMPTS // workers)), window=LOGIN_WINDOW_S)
        # token hash -> (hall id, or None for an unknown token until the given monotonic time)
        self._halls: dict[str, tuple[int | None, float]] = {}
        self._revocations_due = 0.0
        self._revoked_since: dt.datetime | None = None

    # ---- users ---------------------------------------------------------------------------

    async def add_user(self, login: str, name: str, password: str) -> User:
        login, name = login.strip(), name.strip()
        if not login or not name:
            raise BadRequest("登录名和姓名都不能为空", code="bad_user")
        if len(password) < 8:
            raise BadRequest("密码至少 8 位", code="weak_password")
        try:
            uid = await self.pool.fetchval(
                "INSERT INTO users (login, name, pw_hash) VALUES ($1, $2, $3) RETURNING id",
                login,
                name,
                hash_password(password),
            )
        except asyncpg.UniqueViolationError:
            raise Conflict(f"登录名“{login}”已存在", code="login_taken") from None
        return User(uid, login, name)

    async def login(self, login: str, password: str, remote: str) -> tuple[User, str]:
        now = time.monotonic()
        keys = (f"login:{login}", f"addr:{remote}")
        wait = max(self.limiter.retry_after(key, now) for key in keys)
        if wait > 0:
            raise TooManyRequests(f"尝试次数太多，请 {int(wait) + 1} 秒后再试", code="rate_limited")
        # Count the attempt before anything awaits: a flood cannot all pass the check at once.
        for key in keys:
            self.limiter.take(key, now)
        row = await self.pool.fetchrow("SELECT * FROM users WHERE login = $1 AND active", login)
        if row is None or not verify_password(password, row["pw_hash"]):
            raise Unauthorized("登录名或密码不正确", code="bad_login")
        self.limiter.reset(f"login:{login}")
        self.limiter.release(f"addr:{remote}", now)
        token = new_token()
        created = dt.datetime.now(dt.UTC)
        await self.pool.execute("DELETE FROM sessions WHERE expires_at < $1", created)
        await self.pool.execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            token_hash(token),
            row["id"],
            created,
            created + dt.timedelta(hours=SESSION_HOURS),
        )
        return User(row["id"], row["login"], row["name"]), token

    async def session_user(self, token: str | None) -> User:
        if not token:
            raise Unauthorized("请先登录", code="login_required")
        row = await self.pool.fetchrow(
            "SELECT u.id, u.login, u.name FROM sessions s JOIN users u ON u.id = s.user_id "
            "WHERE s.token_hash = $1 AND s.expires_at > now() AND u.active",
            token_hash(token),
        )
        if row is None:
            raise Unauthorized("登录已过期，请重新登录", code="login_required")
        return User(row["id"], row["login"], row["name"])

    async def logout(self, token: str | None) -> None:
        if token:
            await self.pool.execute("DELETE FROM sessions WHERE token_hash = $1", token_hash(token))

    # ---- hall tokens ---------------------------------------------------------------------

    async def add_hall(self, name: str) -> tuple[int, str]:
        """Register a township hall; returns its id and its token (shown only once)."""
        name = name.strip()
        if not name:
            raise BadRequest("便民服务中心名称不能为空", code="bad_hall")
        # A prefix keeps the token from starting with "-" on a command line, and names its kind.
        token = "bmh_" + new_token()
        async with self.pool.acquire() as conn, conn.transaction():
            hid = await conn.fetchval(
                "INSERT INTO halls (name, token_hash) VALUES ($1, $2) RETURNING id", name, token_hash(token)
            )
            await conn.execute("INSERT INTO hall_state (hall_id) VALUES ($1)", hid)
        return hid, token

    async def list_halls(self) -> list[dict]:
        rows = await self.pool.fetch("SELECT id, name, created_at, revoked_at FROM halls ORDER BY id")
        return [
            {
                "id": r["id"],
                "name": r["name"],
                "created_at": r["created_at"].isoformat(timespec="seconds"),
                "revoked_at": r["revoked_at"].isoformat(timespec="seconds") if r["revoked_at"] else None,
            }
            for r in rows
        ]

    async def revoke_hall(self, hall_id: int) -> None:
        done = await self.pool.fetchval(
            "UPDATE halls SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING id", hall_id
        )
        if done is None:
            raise NotFound("没有这个便民服务中心", code="hall_not_found")
        self._halls.clear()

    async def _forget_revoked(self, now: float) -> None:
        """Every ``TOKEN_CACHE_S``, one query for every hall: drop the cached tokens revoked
        since the last look (by another county process or the CLI). A token lookup per hall
        every few seconds was a query per request for 2,000 halls."""
        self._revocations_due = now + TOKEN_CACHE_S  # set first: one look at a time
        try:
            row = await self.pool.fetchrow(
                "SELECT now() AS now, COALESCE(array_agg(token_hash), '{}') AS gone FROM halls WHERE revoked_at >= $1",
                (self._revoked_since or dt.datetime.now(dt.UTC)) - REVOKED_MARGIN,
            )
        except BaseException:
            self._revocations_due = 0.0
            raise
        assert row is not None
        if self._revoked_since is None:
            self._halls.clear()  # nothing is known to be current before the first look
        self._revoked_since = row["now"]
        for digest in row["gone"]:
            self._halls.pop(digest, None)

    async def hall_for(self, authorization: str | None) -> int:
        """The hall id of a ``Bearer`` token, or 401."""
        if not authorization or not authorization.startswith("Bearer "):
            raise Unauthorized("缺少便民服务中心的令牌", code="hall_token_required")
        digest = token_hash(authorization[7:].strip())
        now = time.monotonic()
        if now >= self._revocations_due:
            await self._forget_revoked(now)
        cached = self._halls.get(digest)
        if cached is None or (cached[0] is None and cached[1] < now):
            hid = await self.pool.fetchval("SELECT id FROM halls WHERE token_hash = $1 AND revoked_at IS NULL", digest)
            if len(self._halls) > 20000:
                self._halls.clear()
            self._halls[digest] = cached = (hid, now + TOKEN_CACHE_S)
        if cached[0] is None:
            raise Unauthorized("便民服务中心的令牌无效或已被吊销", code="bad_hall_token")
        return cached[0]
