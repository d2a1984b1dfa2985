"""Fake printers for the tests, at the hardware edge: status answers and a TCP printer."""

from __future__ import annotations

import asyncio
import contextlib

from escpos_stream import StreamDecoder

HEALTHY = {1: 0x12, 2: 0x12, 4: 0x12}
PAPER_OUT = {1: 0x1A, 2: 0x32, 4: 0x72}  # offline, stopped for paper end, roll empty
PAPER_OUT_ONLINE = {1: 0x12, 2: 0x12, 4: 0x72}  # some printers stay online without paper
PAPER_LOW = {1: 0x12, 2: 0x12, 4: 0x1E}


class FakeNetworkPrinter:
    """A raw TCP printer on 127.0.0.1: answers DLE EOT from ``answers`` (or never, if None)."""

    def __init__(self, answers: dict[int, int] | None):
        self.answers = answers
        self.jobs: list[StreamDecoder] = []
        self.closed = asyncio.Event()
        self.error: BaseException | None = None
        self.server: asyncio.Server | None = None
        self.port = 0

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        job = StreamDecoder()
        self.jobs.append(job)
        try:
            while chunk := await reader.read(65536):
                for n in job.feed(chunk):
                    if self.answers is not None:
                        writer.write(bytes((self.answers[n],)))
                        await writer.drain()
        except ConnectionError:
            pass
        except Exception as exc:  # surfaced by __aexit__: a decoder error must fail the test
            self.error = exc
        finally:
            writer.close()
            self.closed.set()

    async def __aenter__(self) -> FakeNetworkPrinter:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.server.wait_closed(), 2)
        if self.error is not None:
            raise self.error

    @property
    def spec(self) -> str:
        return f"network:127.0.0.1:{self.port}"
