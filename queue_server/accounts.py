"""Clerks, devices and sessions. Their SQL lives here; writes go through ``Store.write``."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from bianmin.passwords import RateLimiter, hash_password, new_token, token_hash, token_ok, verify_password

from . import cores
from .errors import BadRequest, Conflict, NotFound, TooManyRequests, Unauthorized
from .store import Store

Role = Literal["clerk", "manager", "agent"]
log = logging.getLogger("queue_server")
T = TypeVar("T")
ROLES: tuple[Role, ...] = ("clerk", "manager", "agent")
ROLE_NAMES: dict[str, str] = {"clerk": "窗口工作人员", "manager": "中心负责人", "agent": "村级代办员"}


@dataclass(frozen=True)
class Clerk:
    """A person who logs in: a window clerk, the center's manager or a village agent."""

    id: int
    login: str
    name: str
    windows: tuple[int, ...]
    role: Role = "clerk"
    post: str = ""
    photo: int = 0  # the work-card photo's version; 0: no photo
    must_change: bool = False  # the manager reset the password: choose a new one first

    def may_use(self, window: int) -> bool:
        """A manager may work at every window, an agent at none; a clerk at the windows
        listed, where an empty list means any window."""
        if self.role == "manager":
            return True
        if self.role == "agent":
            return False
        return not self.windows or window in self.windows


def clerk_from_row(row: sqlite3.Row) -> Clerk:
    return Clerk(
        row["id"],
        row["login"],
        row["name"],
        tuple(json.loads(row["windows"])),
        row["role"],
        row["post"],
        row["photo_version"],
        bool(row["must_change"]),
    )


@dataclass(frozen=True)
class Device:
    id: int
    kind: str
    name: str


SEEN_EVERY = 60.0  # seconds: at most one last_seen write per device in this time
SEEN_KEPT = 1000  # devices remembered for that throttle (the oldest are forgotten first)
LOGIN_TRIES = 5  # per login name and address, per 5 minutes
ADDRESS_TRIES = 20  # per address, per 5 minutes
HASHES_AT_ONCE = 1  # a hall PC may have two cores: leave one for the event loop
HASH_NICE = 10  # the hashing thread runs this much nicer than the server (Linux: nice is per thread)
CACHED_MAX = 10_000  # sessions and devices kept in memory (only valid tokens get there)


class Accounts:
    """Logins for clerks, tokens for kiosks and displays."""

    def __init__(self, store: Store, *, idle_minutes: int = 120, max_hours: int = 12):
        self.store = store
        self.idle = dt.timedelta(minutes=idle_minutes)
        self.max_age = dt.timedelta(hours=max_hours)
        # One clerk's typos lock that login at that PC only; the address cap stops a guesser
        # trying many logins, and still leaves colleagues at that PC room to log in.
        self.limiter = RateLimiter(limit=LOGIN_TRIES, window=300)
        self.address_limiter = RateLimiter(limit=ADDRESS_TRIES, window=300)
        self._hashing = asyncio.Semaphore(HASHES_AT_ONCE)  # scrypt runs in a worker thread, one at a time
        self._dummy_hash: str | None = None  # checked for unknown logins: every miss costs one scrypt
        # Last request of each open session (for the idle timeout); pruned as sessions idle out.
        self._last_seen: dict[str, dt.datetime] = {}
        # Sessions and device tokens, by token hash, as last read from the database. The store
        # calls _forget after any commit that changes clerks, sessions or devices (Store.watch),
        # so a disabled clerk, a revoked device or changed windows count on the next request.
        self._sessions: dict[str, tuple[Clerk, dt.datetime]] = {}  # -> (clerk, expires)
        self._devices: dict[str, Device] = {}
        self._generation = 0  # bumped by _forget: a read begun before a change is not cached
        self._watching: asyncio.Future[bool] | None = None
        # device id -> (monotonic time, address) of its last recorded request; bounded.
        self._device_seen: OrderedDict[int, tuple[float, str]] = OrderedDict()

    async def add_clerk(self, login: str, name: str, windows: list[int], password: str, role: str = "clerk") -> Clerk:
        login, name = login.strip(), name.strip()
        if not login or not name:
            raise BadRequest("登录名和姓名都不能为空", code="bad_clerk")
        if role not in ROLES:
            raise BadRequest("角色必须是 clerk、manager 或 agent", code="bad_role", field="role")
        if len(password) < 8:
            raise BadRequest("密码至少 8 位", code="weak_password", field="password")
        pw = await _hashed(hash_password, password)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

        def insert(db: sqlite3.Connection) -> int:
            try:
                cur = db.execute(
                    "INSERT INTO clerks (login, name, windows, pw_hash, created_at, role) VALUES (?, ?, ?, ?, ?, ?)",
                    (login, name, json.dumps(windows), pw, now, role),
                )
            except sqlite3.IntegrityError:
                raise Conflict(f"登录名“{login}”已存在", code="login_taken") from None
            return _rowid(cur)

        return Clerk(await self.store.write(insert), login, name, tuple(windows), role)

    async def add_device(self, kind: str, name: str, window: int | None = None) -> tuple[Device, str]:
        """Register a kiosk, display or rating pad (``pad``, facing one ``window``); returns the
        device and its token (shown only once)."""
        if kind not in ("kiosk", "display", "pad"):
            raise BadRequest("设备类型必须是 kiosk、display 或 pad", code="bad_device_kind")
        if (kind == "pad") != (window is not None):
            raise BadRequest("评价器（pad）须填写它所在的窗口号，其他设备不填", code="bad_field", field="window")
        token = new_token()
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

        def insert(db: sqlite3.Connection) -> int:
            cur = db.execute(
                "INSERT INTO devices (kind, name, token_hash, created_at, window) VALUES (?, ?, ?, ?, ?)",
                (kind, name.strip() or kind, token_hash(token), now, window),
            )
            return _rowid(cur)

        return Device(await self.store.write(insert), kind, name), token

    async def count_clerks(self) -> int:
        rows = await self.store.fetchall("SELECT COUNT(*) FROM clerks")
        return int(rows[0][0])

    async def device(self, token: str, kind: str | None, address: str | None = None) -> Device:
        """The device holding ``token`` (of ``kind``, any kind when None); raises Unauthorized.

        From memory after the first request; a revoked token stops at once (see ``_forget``).
        With ``address``, the request is recorded as the device's last_seen and last_address."""
        dev = None
        if token_ok(token):
            h = token_hash(token)
            dev = self._devices.get(h)
            if dev is None:
                generation, cache = self._generation, await self._cache_ready()
                row = await self.store.fetchone(
                    "SELECT id, kind, name FROM devices WHERE token_hash = ? AND revoked = 0", (h,)
                )
                if row is not None:
                    dev = Device(row["id"], row["kind"], row["name"])
                    if cache and generation == self._generation:
                        _bounded_put(self._devices, h, dev)
        if dev is None:
            raise Unauthorized("设备令牌无效，请联系管理员重新登记本设备", code="bad_device_token")
        if kind is not None and dev.kind != kind:
            names = {"kiosk": "取号机", "display": "显示屏", "pad": "评价器"}
            raise Unauthorized(f"此设备令牌不是{names.get(kind, kind)}令牌", code="wrong_device_kind")
        if address is not None:
            await self._seen(dev.id, address)
        return dev

    def _forget(self) -> None:
        """Clerks, sessions or devices changed (called by the store after the commit)."""
        self._generation += 1
        self._sessions.clear()
        self._devices.clear()

    async def _cache_ready(self) -> bool:
        """True once the store tells us of changes to accounts; the first call sets that up."""
        if self._watching is None:
            self._watching = asyncio.ensure_future(self._watch())
        if not self._watching.done():
            await asyncio.shield(self._watching)
        return self._watching.result()

    async def _watch(self) -> bool:
        try:
            # last_seen, last_address and last_health change often and matter to no cached device.
            await self.store.watch("devices", self._forget, columns=("kind", "name", "token_hash", "revoked"))
            await self.store.watch("clerks", self._forget)
            await self.store.watch("sessions", self._forget)
        except Exception:
            log.exception("cannot watch account changes; sessions and devices are read every time")
            return False
        return True

    def unlock(self, login: str) -> None:
        """Lift the lock after failed logins for ``login``, at every address (a manager's reset)."""
        self.limiter.reset_prefix(f"{login}@")

    async def _seen(self, device_id: int, address: str) -> None:
        """Record last_seen and last_address, at most once a minute per device (or at once
        when the address changed), so a busy kiosk does not fill the writer's queue."""
        now = time.monotonic()
        last = self._device_seen.get(device_id)
        if last is not None and now - last[0] < SEEN_EVERY and last[1] == address:
            return
        self._device_seen[device_id] = (now, address)
        self._device_seen.move_to_end(device_id)
        while len(self._device_seen) > SEEN_KEPT:
            self._device_seen.popitem(last=False)
        seen = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        await self.store.write(
            lambda db: db.execute(
                "UPDATE devices SET last_seen = ?, last_address = ? WHERE id = ?", (seen, address, device_id)
            )
        )

    async def login(self, login: str, password: str, address: str) -> tuple[Clerk, str]:
        """Check a password and open a session; attempts are rate-limited per login and address.

        The check and the count happen together before anything awaits; the password is
        hashed in a worker thread (a few at once), and an unknown login costs one hash too."""
        now = time.monotonic()
        login_key, addr_key = f"{login}@{address}", address
        wait = max(self.limiter.retry_after(login_key, now), self.address_limiter.retry_after(addr_key, now))
        if wait > 0:
            raise TooManyRequests(f"登录失败次数过多，请 {int(wait // 60) + 1} 分钟后再试", code="login_rate_limited")
        self.limiter.take(login_key, now)
        self.address_limiter.take(addr_key, now)
        async with self._hashing:
            row = await self.store.fetchone("SELECT * FROM clerks WHERE login = ? AND active = 1", (login,))
            if self._dummy_hash is None:
                self._dummy_hash = await _hashed(hash_password, new_token())
            stored = row["pw_hash"] if row is not None else self._dummy_hash
            ok = await _hashed(verify_password, password, stored)
        if row is None or not ok:
            raise Unauthorized("登录名或密码错误", code="bad_credentials")
        self.limiter.reset(login_key)
        self.address_limiter.release(addr_key, now)
        clerk = clerk_from_row(row)
        token = new_token()
        created = dt.datetime.now(dt.UTC)
        expires = created + self.max_age

        def open_session(db: sqlite3.Connection) -> None:
            # Sessions past their hard expiry are useless: drop them as new ones are made.
            db.execute("DELETE FROM sessions WHERE expires_at < ?", (created.isoformat(),))
            db.execute(
                "INSERT INTO sessions (token_hash, clerk_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                (token_hash(token), clerk.id, created.isoformat(), expires.isoformat()),
            )

        await self.store.write(open_session)
        self._prune_seen(created)
        self._last_seen[token_hash(token)] = created
        return clerk, token

    async def session(self, token: str | None) -> Clerk:
        """The clerk of a live session; idle or expired sessions end with a clear message.

        The session and its clerk are read once (one indexed join) and kept until a commit
        changes clerks or sessions, so a disabled clerk or changed windows take effect on the
        next request."""
        if not token:
            raise Unauthorized("请先登录", code="login_required")
        if not token_ok(token):
            raise Unauthorized("登录已失效，请重新登录", code="login_required")
        h = token_hash(token)
        now = dt.datetime.now(dt.UTC)
        hit = self._sessions.get(h)
        if hit is None:
            generation, cache = self._generation, await self._cache_ready()
            row = await self.store.fetchone(
                "SELECT c.*, s.expires_at FROM sessions s "
                "JOIN clerks c ON c.id = s.clerk_id WHERE s.token_hash = ? AND c.active = 1",
                (h,),
            )
            if row is None:
                self._last_seen.pop(h, None)
                raise Unauthorized("登录已失效，请重新登录", code="login_required")
            hit = clerk_from_row(row), dt.datetime.fromisoformat(row["expires_at"])
            if cache and generation == self._generation:
                _bounded_put(self._sessions, h, hit)
        clerk, expires = hit
        last_seen = self._last_seen.get(h, now)  # after a restart: idle from now
        if now >= expires or now - last_seen > self.idle:
            await self.logout(token)
            raise Unauthorized("长时间未操作，登录已超时，请重新登录", code="session_expired")
        self._last_seen[h] = now
        return clerk

    async def change_password(self, clerk: Clerk, old: str, new: str, address: str, token: str | None) -> None:
        """The clerk's own change: the old password is checked under the login rate limit;
        the new one clears ``must_change`` and ends the clerk's other sessions."""
        now = time.monotonic()
        key = f"{clerk.login}@{address}"
        wait = self.limiter.retry_after(key, now)
        if wait > 0:
            raise TooManyRequests(f"尝试次数过多，请 {int(wait // 60) + 1} 分钟后再试", code="login_rate_limited")
        if len(new) < 8:
            raise BadRequest("新密码至少 8 位", code="weak_password", field="new")
        if new == old:
            raise BadRequest("新密码不能与原密码相同", code="same_password", field="new")
        self.limiter.take(key, now)
        async with self._hashing:
            row = await self.store.fetchone("SELECT pw_hash FROM clerks WHERE id = ?", (clerk.id,))
            ok = row is not None and await _hashed(verify_password, old, row["pw_hash"])
            if not ok:
                raise BadRequest("原密码不正确", code="bad_old_password", field="old")
            pw = await _hashed(hash_password, new)
        self.limiter.reset(key)
        keep = token_hash(token) if token else ""

        def save(db: sqlite3.Connection) -> None:
            db.execute("UPDATE clerks SET pw_hash = ?, must_change = 0 WHERE id = ?", (pw, clerk.id))
            db.execute("DELETE FROM sessions WHERE clerk_id = ? AND token_hash != ?", (clerk.id, keep))

        await self.store.write(save)

    def _prune_seen(self, now: dt.datetime) -> None:
        """Forget sessions idle past the timeout (they would be refused anyway)."""
        for h in [h for h, seen in self._last_seen.items() if now - seen > self.idle]:
            del self._last_seen[h]

    async def logout(self, token: str | None) -> None:
        if not token or not token_ok(token):
            return
        h = token_hash(token)
        self._last_seen.pop(h, None)
        await self.store.write(lambda db: db.execute("DELETE FROM sessions WHERE token_hash = ?", (h,)))


STAFF_FIELDS = ("name", "post", "department", "phone", "windows", "role", "active")


class Staff:
    """The manager's side of the accounts: list and edit clerks, list and revoke devices.

    Every edit ends the cached sessions of the person edited (or forgets the revoked device),
    so a disabled clerk, a changed window list or a revoked token counts on the very next
    request."""

    def __init__(self, accounts: Accounts):
        self.accounts = accounts
        self.store = accounts.store

    async def everyone(self) -> list[sqlite3.Row]:
        return await self.store.fetchall(
            "SELECT id, login, name, role, windows, active, post, department, phone, photo_version "
            "FROM clerks ORDER BY id"
        )

    async def get(self, login: str) -> sqlite3.Row:
        row = await self.store.fetchone(
            "SELECT id, login, name, role, windows, active, post, department, phone, photo_version "
            "FROM clerks WHERE login = ?",
            (login,),
        )
        if row is None:
            raise NotFound(f"没有登录名为“{login}”的工作人员", code="unknown_clerk")
        return row

    async def update(self, login: str, changes: dict[str, Any], password: str | None = None) -> None:
        """Apply ``changes`` (columns of :data:`STAFF_FIELDS`) and, if given, a new password."""
        if "role" in changes and changes["role"] not in ROLES:
            raise BadRequest("角色必须是 clerk、manager 或 agent", code="bad_role", field="role")
        if password is not None and len(password) < 8:
            raise BadRequest("密码至少 8 位", code="weak_password", field="password")
        row = await self.get(login)
        sets = [(k, json.dumps(v) if k == "windows" else int(v) if k == "active" else v) for k, v in changes.items()]
        if password is not None:  # a reset: the clerk chooses a new one at the next login
            sets.append(("pw_hash", await _hashed(hash_password, password)))
            sets.append(("must_change", 1))
        if not sets:
            return
        assert all(k in STAFF_FIELDS or k in ("pw_hash", "must_change") for k, _ in sets)
        sql = "UPDATE clerks SET " + ", ".join(f"{k} = ?" for k, _ in sets) + " WHERE id = ?"
        params = (*[v for _, v in sets], row["id"])

        def update(db: sqlite3.Connection) -> None:
            db.execute(sql, params)
            if changes.get("active") is False or password is not None:
                db.execute("DELETE FROM sessions WHERE clerk_id = ?", (row["id"],))

        await self.store.write(update)
        if password is not None:  # a reset also lifts the lock after failed logins
            self.accounts.unlock(login)

    async def set_photo(self, login: str, jpeg: bytes) -> int:
        row = await self.get(login)

        def save(db: sqlite3.Connection) -> None:
            db.execute("UPDATE clerks SET photo = ?, photo_version = photo_version + 1 WHERE id = ?", (jpeg, row["id"]))

        await self.store.write(save)
        return int(row["photo_version"]) + 1

    async def photo(self, login: str) -> bytes | None:
        row = await self.store.fetchone("SELECT photo FROM clerks WHERE login = ?", (login,))
        return None if row is None else row["photo"]

    async def devices(self) -> list[sqlite3.Row]:
        return await self.store.fetchall(
            "SELECT id, kind, name, created_at, last_seen, last_address, last_health, revoked FROM devices ORDER BY id"
        )

    async def device(self, device_id: int) -> sqlite3.Row:
        row = await self.store.fetchone("SELECT id, kind, name, revoked FROM devices WHERE id = ?", (device_id,))
        if row is None:
            raise NotFound(f"没有编号为 {device_id} 的设备", code="unknown_device")
        return row

    async def update_device(self, device_id: int, *, name: str | None = None, revoked: bool | None = None) -> None:
        await self.device(device_id)
        if name is not None:
            await self.store.write(lambda db: db.execute("UPDATE devices SET name = ? WHERE id = ?", (name, device_id)))
        if revoked is not None:
            await self.store.write(
                lambda db: db.execute("UPDATE devices SET revoked = ? WHERE id = ?", (int(revoked), device_id))
            )


def _nicer() -> None:
    """The hashing thread yields the CPU to the event loop: a login flood then waits for its
    scrypt, and ``/healthz``, the kiosks and the board do not. It runs on every core, not on
    the one the loop shares with the writer (:mod:`.cores`)."""
    cores.any_core()
    with contextlib.suppress(OSError, AttributeError):  # not Linux: same priority
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + HASH_NICE))


_HASHER = ThreadPoolExecutor(HASHES_AT_ONCE, thread_name_prefix="bianmin-hash", initializer=_nicer)


async def _hashed(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` (scrypt) in the hashing thread."""
    return await asyncio.get_running_loop().run_in_executor(_HASHER, fn, *args)


def _bounded_put(cache: dict[str, Any], key: str, value: Any) -> None:
    if len(cache) >= CACHED_MAX:
        cache.clear()
    cache[key] = value


def _rowid(cur: sqlite3.Cursor) -> int:
    assert cur.lastrowid is not None  # just inserted
    return cur.lastrowid
