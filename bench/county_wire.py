"""The county benchmark's load generator, made cheap: it shares the 2 cores with the county.

Two thousand simulated halls send about 2,000 requests a second. Through aiohttp's client,
with each body gzip-compressed when sent, the generator used about 50 s of CPU per minute of
ingest, which the county and PostgreSQL then lacked. Here (about 5 µs per event):

- a request's body is built from parts: the events, deflated once per (day, first, last)
  event and shared by every simulated hall of that day that sends the same range (halls of
  one day send on the same compressed clock), then the hall's own epoch and seq as a stored
  block, and the CRC-32 continued from the cached part's: the county inflates a real gzip
  body (one stream over the whole batch, as a hall's ``gzip.compress`` makes), which cost
  the generator a small join on a hit and a level-1 deflate on a miss;
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


def _stored(text: bytes) -> bytes:
    """``text`` as uncompressed (stored) deflate blocks."""
    out = []
    for i in range(0, len(text), 0xFFFF):
        part = text[i : i + 0xFFFF]
        out.append(b"\x00" + struct.pack("<HH", len(part), len(part) ^ 0xFFFF) + part)
    return b"".join(out)


class Bodies:
    """The gzip bodies of ``POST /api/sync`` for one simulated day's events (seq = index + 1)."""

    CACHE = 20_000  # deflated ranges kept (about 1 KB each); the cache restarts when full

    def __init__(self, events: list[bytes]):
        self.text = events
        self._parts: dict[tuple[int, int], tuple[bytes, int, int]] = {}
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self.text)

    def _events(self, start: int, end: int) -> tuple[bytes, int, int]:
        """``{"events":[...]`` deflated (byte-aligned, not final), its CRC-32 and length."""
        part = self._parts.get((start, end))
        if part is not None:
            self.hits += 1
            return part
        self.misses += 1
        text = b'{"events":[' + b",".join(self.text[start:end]) + b"]"
        c = zlib.compressobj(1, zlib.DEFLATED, -zlib.MAX_WBITS)
        part = (c.compress(text) + c.flush(zlib.Z_SYNC_FLUSH), zlib.crc32(text), len(text))
        if len(self._parts) >= self.CACHE:
            self._parts.clear()
        self._parts[(start, end)] = part
        return part

    def body(self, epoch: str, start: int, end: int) -> bytes:
        """Events ``start`` .. ``end - 1`` (0-based) as a gzip ``SyncBatch`` of ``epoch``."""
        deflated, crc, size = self._events(start, end)
        tail = f',"epoch":"{epoch}","hall_seq":{end}}}'.encode()
        crc = zlib.crc32(tail, crc)
        size += len(tail)
        return b"".join((GZIP_HEADER, deflated, _stored(tail), FINAL_BLOCK, struct.pack("<II", crc, size & 0xFFFFFFFF)))


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
            async with asyncio.timeout(self.timeout):  # no task per request, as wait_for makes
                status, data = await self._answer(reader)
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
