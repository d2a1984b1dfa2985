"""Connection-level guards for a server that faces the hall's public Wi-Fi.

aiohttp times out idle keep-alive connections and connections whose request head never
completes (its keep-alive timer starts when the connection opens and closes it if it is
still waiting for a request); :data:`KEEPALIVE_TIMEOUT` sets that bound. Slow bodies time
out in :func:`queue_server.web.read_json`. What aiohttp lacks is here:

- a cap on open connections per peer address and in total (:class:`GuardedProtocol`), so
  one phone cannot use every file descriptor;
- the descriptor limit raised to what the system allows (:func:`raise_fd_limit`);
- large buffers given back to the system when freed (:func:`return_large_buffers`): each
  login's scrypt takes 16 MB, which glibc otherwise keeps for good;
- bounded logs (:func:`quiet_logs`): a storm of one message is logged a few times a minute,
  and malformed requests (a 9 KB request line, 200 headers) are logged in one line, not
  with a traceback each.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import logging
import resource
import time
import typing
from collections import Counter
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

KEEPALIVE_TIMEOUT = 10.0  # seconds: idle keep-alive, and a request head that never completes
PER_ADDRESS = 64  # open connections from one address
# The hall PC itself (its kiosk, display and browsers): no phone can send from there.
LOCAL = frozenset({"127.0.0.1", "::1"})
RESERVED_FDS = 100  # descriptors kept free for the database, logs and the loop itself


class PortBusy(RuntimeError):
    """The port is already taken (most often: a server is already running)."""


def raise_fd_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD = 128 * 1024  # bytes: larger blocks are mapped apart and unmapped when freed


def return_large_buffers() -> bool:
    """Fix glibc's mmap threshold (True if set). glibc raises it to the size of the largest
    block freed so far, so after the first scrypt (16 MB) every later one is carved from a
    heap that is never given back: each hashing thread then holds 16 MB for good."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def connection_budget() -> int:
    """Connections we accept in total: the descriptor limit less a reserve."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return max(16, soft - RESERVED_FDS)


class Connections:
    """Open connections per peer address, with the caps."""

    def __init__(self, per_address: int = PER_ADDRESS, total: int | None = None):
        self.per_address = per_address
        self.total = total if total is not None else connection_budget()
        self.by_address: Counter[str] = Counter()
        self.open = 0
        self.refused = 0

    def admit(self, address: str) -> bool:
        at_cap = address not in LOCAL and self.by_address[address] >= self.per_address
        if self.open >= self.total or at_cap:
            self.refused += 1
            return False
        self.open += 1
        self.by_address[address] += 1
        return True

    def release(self, address: str) -> None:
        self.open -= 1
        self.by_address[address] -= 1
        if self.by_address[address] <= 0:
            del self.by_address[address]


class GuardedProtocol(asyncio.Protocol):
    """Admits a connection under the caps, then hands every call to aiohttp's handler."""

    def __init__(self, inner: Any, connections: Connections):
        self.inner = inner
        self.connections = connections
        self.address: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        if not self.connections.admit(address):
            typing.cast(asyncio.Transport, transport).abort()  # RST at once: the descriptor is freed now
            return
        self.address = address
        self.inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.address is None:
            return
        self.connections.release(self.address)
        self.address = None
        self.inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.address is not None:
            self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.address is not None else None

    def pause_writing(self) -> None:
        if self.address is not None:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if self.address is not None:
            self.inner.resume_writing()


class GuardedSite(web.TCPSite):
    """A TCP site whose connections go through :class:`GuardedProtocol`."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, connections: Connections):
        super().__init__(runner, host, port)
        self.connections = connections

    async def start(self) -> None:
        # BaseSite.start registers the site with its runner; then we open the server
        # ourselves, as TCPSite.start would, with the guarded protocol factory.
        await web.BaseSite.start(self)
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: GuardedProtocol(server(), self.connections),
            self._host,
            self._port,
            backlog=self._backlog,
            reuse_address=self._reuse_address,
        )


async def start(app: web.Application, host: str, port: int, connections: Connections | None = None) -> web.AppRunner:
    """Run ``app`` on ``host:port`` behind the guards; :class:`PortBusy` if the port is taken."""
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=KEEPALIVE_TIMEOUT, handler_cancellation=True)
    await runner.setup()
    site = GuardedSite(runner, host, port, connections or Connections())
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        if exc.errno == errno.EADDRINUSE:
            raise PortBusy(f"端口 {port} 已被占用（可能已有一个便民服务器在运行），本服务器不启动") from None
        raise PortBusy(f"无法在 {host}:{port} 上启动服务器：{exc.strerror or exc}") from None
    return runner


class StormFilter(logging.Filter):
    """At most ``burst`` records per message template per ``period`` seconds; malformed
    requests lose their traceback (the cause is one line: the client sent bad bytes)."""

    def __init__(self, burst: int = 5, period: float = 60.0, max_templates: int = 1000):
        super().__init__()
        self.burst, self.period, self.max_templates = burst, period, max_templates
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            record.msg = f"{record.msg}: {type(exc).__name__}: {exc.message}"
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        key = (record.name, str(record.msg))
        now = time.monotonic()
        start, count = self._seen.get(key, (now, 0))
        if now - start > self.period:
            start, count = now, 0
        if len(self._seen) >= self.max_templates and key not in self._seen:
            self._seen.clear()
        self._seen[key] = (start, count + 1)
        return count < self.burst


def quiet_logs() -> None:
    """Bound what a flood can write to the log (see :class:`StormFilter`)."""
    storm = StormFilter()
    for name in ("asyncio", "aiohttp.server", "aiohttp.access", "aiohttp.web", "queue_server"):
        logging.getLogger(name).addFilter(storm)
