"""Network printers (raw TCP, usually port 9100) over asyncio streams, with timeouts."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from .errors import PrinterOffline, PrinterTimeout
from .status import check_printer, query

if TYPE_CHECKING:
    from .printer import Job


class NetworkPrinter:
    """Send jobs to ``host:port``; ask ``DLE EOT`` status first when ``check_status``."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        check_status: bool = True,
        connect_timeout: float = 3.0,
        reply_timeout: float = 2.0,
        send_timeout: float = 5.0,
    ):
        self.host, self.port = host, port
        self.check_status = check_status
        self.connect_timeout = connect_timeout
        self.reply_timeout = reply_timeout
        self.send_timeout = send_timeout
        self.paper_low = False

    def _where(self) -> str:
        return f"{self.host}:{self.port}"

    async def send(self, job: Job) -> None:
        """Connect, check status, write the job; raises a :class:`PrinterError`."""
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), self.connect_timeout)
        except TimeoutError:
            raise PrinterTimeout(
                f"连接网络打印机 {self._where()} 超时，请检查打印机电源和网线。", detail="connect timeout"
            ) from None
        except OSError as exc:
            raise PrinterOffline(
                f"无法连接网络打印机 {self._where()}，请检查打印机电源和网线。", detail=str(exc)
            ) from None
        try:
            if self.check_status:
                self.paper_low = await check_printer(lambda n: self._ask(reader, writer, n))
            writer.transport.set_write_buffer_limits(high=0)  # drain() = all bytes handed over
            writer.write(job.data)
            await asyncio.wait_for(writer.drain(), self.send_timeout)
        except TimeoutError:
            raise PrinterTimeout(
                f"网络打印机 {self._where()} 没有响应，请检查打印机。", detail="status or send timeout"
            ) from None
        except (OSError, asyncio.IncompleteReadError) as exc:
            raise PrinterOffline(f"网络打印机 {self._where()} 断开了连接，请检查打印机。", detail=repr(exc)) from None
        finally:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _ask(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> int:
        writer.write(query(n))
        await asyncio.wait_for(writer.drain(), self.reply_timeout)
        answer = await asyncio.wait_for(reader.readexactly(1), self.reply_timeout)
        return answer[0]
