"""Real parts for the kiosk tests: the queue server as a process, a loopback TCP printer,
and a loopback proxy that can lose a reply (to prove request_id makes retries safe).

Used inside the harness's asyncio loop (tests/kiosk/harness.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import sys
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tests" / "printing") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests" / "printing"))
from escpos_stream import StreamDecoder  # noqa: E402  (the printing engineer's decoder)

from bench.devserver import ServerProcess, cli, free_port  # noqa: E402
from bianmin.center import SAMPLE_CENTER  # noqa: E402

__all__ = ["ServerProcess", "free_port"]  # the harness and the tests take them from here

HEALTHY = 0x12  # the DLE EOT answer of a printer with paper, online


async def add_kiosk(db: Path) -> str:
    """Register a kiosk with ``add-device``; returns its token."""
    return await asyncio.to_thread(cli, db, "add-device", "--kind", "kiosk", "--name", "测试取号机")


def closed_today_config(dest: Path) -> Path:
    """A copy of the sample center whose office days exclude today (in the center's zone)."""
    text = SAMPLE_CENTER.read_text(encoding="utf-8")
    zone = tomllib.loads(text)["center"].get("timezone", "Asia/Shanghai")
    today = dt.datetime.now(ZoneInfo(zone)).isoweekday()
    days = [d for d in (1, 2, 3, 4, 5, 6, 7) if d != today][:3]
    new, count = re.subn(r"(?m)^days = \[.*\]$", f"days = {days}", text)
    assert count == 1, "the sample center has one [office] days line"
    new = re.sub(r"(?m)^windows = \[4\]$", "windows = []", new)  # no duty window either: closed
    dest.write_text(new, encoding="utf-8")
    assert today not in tomllib.loads(new)["office"]["days"]
    return dest


class LoopbackPrinter:
    """A raw TCP receipt printer on 127.0.0.1: answers status queries, keeps each job's bytes."""

    def __init__(self, port: int = 0):
        self.port = port
        self.jobs: list[bytes] = []
        self.server: asyncio.Server | None = None
        self.error: str | None = None
        self.answers: dict[int, int] = {}  # DLE EOT n -> the status byte answered (else healthy)

    @property
    def spec(self) -> str:
        return f"network:127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        job = StreamDecoder()
        try:
            while chunk := await reader.read(65536):
                for query in job.feed(chunk):
                    writer.write(bytes((self.answers.get(query, HEALTHY),)))
                    await writer.drain()
        except ConnectionError:
            pass
        except Exception as exc:  # the decoder refused a byte: the test must see it
            self.error = repr(exc)
        finally:
            self.jobs.append(bytes(job.buffer))
            writer.close()

    async def stop(self) -> None:
        if self.server:
            self.server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.server.wait_closed(), 2)


class LossyProxy:
    """Forwards TCP to the server; drops the reply of the first ``lose_posts`` POST requests.

    The server has committed the ticket by the time it replies, so the kiosk sees a broken
    connection for a ticket that exists: exactly the case ``request_id`` is for.
    """

    def __init__(self, target_port: int, lose_posts: int = 1):
        self.target_port = target_port
        self.lose_posts = lose_posts
        self.lost = 0
        self.posts = 0
        self.port = 0
        self.server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        state = {"post": False}

        async def upstream() -> None:
            while data := await reader.read(65536):
                if data.startswith(b"POST "):
                    self.posts += 1
                    state["post"] = True
                up_writer.write(data)
                await up_writer.drain()
            up_writer.close()

        async def downstream() -> None:
            while data := await up_reader.read(65536):
                if state["post"] and self.lost < self.lose_posts:
                    self.lost += 1
                    writer.transport.abort()  # the reply never reaches the kiosk
                    up_writer.close()
                    return
                state["post"] = False
                writer.write(data)
                await writer.drain()
            writer.close()

        with contextlib.suppress(ConnectionError, OSError):
            await asyncio.gather(upstream(), downstream())

    async def stop(self) -> None:
        if self.server:
            self.server.close()
