"""The county benchmark's load generator, made cheap: it shares the 2 cores with the county.

Two thousand simulated halls send about 2,000 requests a second. Through aiohttp's client,
with each body gzip-compressed when sent, the generator alone took most of a core, which
the county and PostgreSQL then lacked. Here:

- every event's JSON is deflated once, up front (:class:`Bodies`); a request's gzip body is
  those pieces joined (a deflate stream may be cut into blocks that end byte-aligned), with
  the per-request prefix as a stored block and the CRC-32 of the whole text: the county
  inflates a real gzip body of the real events, which cost the generator a join and a CRC;
- requests go over a few keep-alive HTTP/1.1 connections written and read by hand
  (:class:`Wire`): the county's answers are small JSON bodies with a ``Content-Length``.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import zlib

import orjson

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
FINAL_BLOCK = b"\x03\x00"  # an empty final deflate block (fixed Huffman, end of block)


def _deflated(text: bytes) -> bytes:
    """``text`` as deflate blocks that reference only ``text`` and end on a byte boundary."""
    c = zlib.compressobj(1, zlib.DEFLATED, -zlib.MAX_WBITS)
    return c.compress(text) + c.flush(zlib.Z_SYNC_FLUSH)


def _stored(text: bytes) -> bytes:
    """``text`` as uncompressed (stored) deflate blocks."""
    out = []
    for i in range(0, len(text), 0xFFFF):
        part = text[i : i + 0xFFFF]
        out.append(b"\x00" + struct.pack("<HH", len(part), len(part) ^ 0xFFFF) + part)
    return b"".join(out)


class Bodies:
    """The gzip bodies of ``POST /api/sync`` for one simulated day's events (seq = index + 1)."""

    def __init__(self, events: list[bytes]):
        self.text = events
        self.more = [_deflated(e + b",") for e in events]  # an event followed by another
        self.last = [_deflated(e + b"]}") for e in events]  # the batch's last event

    def __len__(self) -> int:
        return len(self.text)

    def body(self, epoch: str, start: int, end: int) -> bytes:
        """Events ``start`` .. ``end - 1`` (0-based) as a gzip ``SyncBatch`` of ``epoch``."""
        head = f'{{"epoch":"{epoch}","hall_seq":{end},"events":['.encode()
        events = b",".join(self.text[start:end])
        crc = zlib.crc32(b"]}", zlib.crc32(events, zlib.crc32(head)))
        size = len(head) + len(events) + 2
        return b"".join(
            (
                GZIP_HEADER,
                _stored(head),
                *self.more[start : end - 1],
                self.last[end - 1],
                FINAL_BLOCK,
                struct.pack("<II", crc, size & 0xFFFFFFFF),
            )
        )


class Wire:
    """A pool of keep-alive HTTP/1.1 connections to one server; ``post`` returns (status, JSON)."""

    def __init__(self, host: str, port: int, connections: int, timeout: float = 60.0):
        self.host, self.port, self.timeout = host, port, timeout
        self._idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter] | None] = asyncio.Queue()
        for _ in range(connections):
            self._idle.put_nowait(None)  # opened on first use
        self._open: set[asyncio.StreamWriter] = set()

    async def post(self, path: str, body: bytes, headers: str) -> tuple[int, object]:
        conn = await self._idle.get()
        try:
            if conn is None:
                conn = await asyncio.open_connection(self.host, self.port)
                self._open.add(conn[1])
            reader, writer = conn
            writer.write(
                f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{headers}"
                f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            status, data = await asyncio.wait_for(self._answer(reader), self.timeout)
        except BaseException:
            if conn is not None:
                self._open.discard(conn[1])
                conn[1].close()
            self._idle.put_nowait(None)
            raise
        self._idle.put_nowait(conn)
        return status, data

    @staticmethod
    async def _answer(reader: asyncio.StreamReader) -> tuple[int, object]:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise ConnectionError("answer without Content-Length")
        return status, orjson.loads(await reader.readexactly(length))

    async def close(self) -> None:
        for writer in self._open:
            writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await writer.wait_closed()
        self._open.clear()
