"""Printers behind a file: a plain file, a device node (/dev/usb/lp0) or a serial port.

Device nodes are opened non-blocking and written through the asyncio loop, so a
printer that stops taking bytes costs a timeout, never a hung kiosk.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import stat
import struct
import termios
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import PrinterError, PrinterOffline, PrinterTimeout
from .status import check_printer, query

if TYPE_CHECKING:
    from .printer import Job


async def _ready(fd: int, reading: bool, timeout: float) -> None:
    """Wait until ``fd`` can be read or written; TimeoutError after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    add, remove = (loop.add_reader, loop.remove_reader) if reading else (loop.add_writer, loop.remove_writer)

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    add(fd, wake)
    try:
        await asyncio.wait_for(ready, max(0.0, timeout))
    finally:
        remove(fd)


async def write_all(fd: int, data: bytes, timeout: float) -> None:
    """Write all of ``data`` to the non-blocking ``fd``.

    TimeoutError when the device takes no byte for ``timeout`` seconds: a slow serial
    line may need longer in total, a stalled printer never gets longer than that.
    """
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            await _ready(fd, False, timeout)


async def read_byte(fd: int, timeout: float) -> int:
    """Read one byte from the non-blocking ``fd`` within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            chunk = os.read(fd, 1)
        except BlockingIOError:
            await _ready(fd, True, deadline - time.monotonic())
            continue
        if not chunk:  # a non-blocking read gives b"" only when the device hung up
            raise ConnectionError("device hung up")
        return chunk[0]


def _open_error(exc: OSError, what: str) -> PrinterError:
    if isinstance(exc, PermissionError):
        return PrinterOffline(f"没有权限使用{what}，请把运行叫号机的用户加入 lp 或 dialout 组。", detail=str(exc))
    return PrinterOffline(f"找不到{what}，请检查打印机电源和数据线。", detail=str(exc))


class FilePrinter:
    """``file:PATH``: append jobs to a file, or write them to a printer device node."""

    def __init__(self, path: str, *, send_timeout: float = 5.0):
        self.path = Path(path)
        self.send_timeout = send_timeout
        self.paper_low = False

    async def send(self, job: Job) -> None:
        """Write the job's bytes; raises a :class:`PrinterError`."""
        what = f"打印机设备 {self.path}"
        is_device = self.path.exists() and stat.S_ISCHR(self.path.stat().st_mode)
        if is_device:
            flags = os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY
        elif str(self.path).startswith("/dev/"):
            raise PrinterOffline(f"找不到{what}，请检查打印机电源和数据线。", detail="no device")
        else:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            raise _open_error(exc, what) from None
        try:
            await write_all(fd, job.data, self.send_timeout)
        except TimeoutError:
            raise PrinterTimeout(f"{what}没有响应，请检查打印机。", detail="write timeout") from None
        except OSError as exc:
            raise PrinterOffline(f"{what}写入失败，请检查打印机。", detail=str(exc)) from None
        finally:
            os.close(fd)


BAUD_FLAGS = {b: getattr(termios, f"B{b}") for b in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)}


class SerialPrinter:
    """``serial:DEV[:BAUD]``: 8N1, no flow control; status asked with ``DLE EOT``."""

    def __init__(
        self,
        device: str,
        baud: int = 9600,
        *,
        check_status: bool = True,
        reply_timeout: float = 1.0,
        send_timeout: float = 5.0,
    ):
        self.device, self.baud = device, baud
        self.check_status = check_status
        self.reply_timeout = reply_timeout
        self.send_timeout = send_timeout
        self.paper_low = False

    def _open(self) -> int:
        fd = os.open(self.device, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            iflag, oflag, cflag, lflag, _, _, cc = termios.tcgetattr(fd)
            cflag = (
                cflag & ~(termios.CSIZE | termios.PARENB | termios.CSTOPB | termios.CRTSCTS)
                | termios.CS8
                | termios.CREAD
                | termios.CLOCAL
            )
            iflag &= ~(
                termios.IXON
                | termios.IXOFF
                | termios.ICRNL
                | termios.INLCR
                | termios.ISTRIP
                | termios.IGNCR
                | termios.BRKINT
            )
            lflag &= ~(termios.ICANON | termios.ECHO | termios.ECHOE | termios.ISIG | termios.IEXTEN)
            oflag &= ~termios.OPOST
            speed = BAUD_FLAGS[self.baud]
            termios.tcsetattr(fd, termios.TCSANOW, [iflag, oflag, cflag, lflag, speed, speed, cc])
            termios.tcflush(fd, termios.TCIOFLUSH)  # drop stale answers
        except (termios.error, OSError):
            os.close(fd)
            raise
        return fd

    async def send(self, job: Job) -> None:
        """Check status, then write the job's bytes; raises a :class:`PrinterError`."""
        what = f"串口打印机 {self.device}"
        try:
            fd = self._open()
        except (OSError, termios.error) as exc:
            if isinstance(exc, OSError):
                raise _open_error(exc, what) from None
            raise PrinterOffline(f"{what}不是串口设备，请检查设置。", detail=str(exc)) from None
        try:
            if self.check_status:
                self.paper_low = await check_printer(lambda n: self._ask(fd, n))
            await write_all(fd, job.data, self.send_timeout)
            await self._drain(fd, self.send_timeout)
        except TimeoutError:
            termios.tcflush(fd, termios.TCOFLUSH)  # else close() waits for the bytes to leave
            raise PrinterTimeout(
                f"{what}没有响应，请检查打印机电源、数据线和波特率。", detail="serial timeout"
            ) from None
        except OSError as exc:
            raise PrinterOffline(f"{what}写入失败，请检查打印机。", detail=str(exc)) from None
        finally:
            os.close(fd)

    @staticmethod
    async def _drain(fd: int, timeout: float) -> None:
        """Wait until the port has sent everything (close() would block on it otherwise).

        TimeoutError when the queue does not shrink for ``timeout`` seconds.
        """
        deadline, last = time.monotonic() + timeout, None
        while pending := struct.unpack("i", fcntl.ioctl(fd, termios.TIOCOUTQ, b"\0" * 4))[0]:
            if last is None or pending < last:
                deadline, last = time.monotonic() + timeout, pending
            elif time.monotonic() > deadline:
                raise TimeoutError
            await asyncio.sleep(0.01)

    async def _ask(self, fd: int, n: int) -> int:
        await write_all(fd, query(n), self.reply_timeout)
        return await read_byte(fd, self.reply_timeout)
