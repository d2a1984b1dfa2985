"""CUPS print queues: python-escpos' CupsPrinter when pycups is there, else ``lp -o raw``.

Both hand the job to the local CUPS spooler, off the event loop and bounded by a timeout:
``lp`` runs as an asyncio subprocess (killed when it hangs), pycups in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
from typing import TYPE_CHECKING

from .errors import PrinterOffline, PrinterSpecError, PrinterTimeout

if TYPE_CHECKING:
    from .printer import Job


class CupsQueue:
    """``cups:NAME``: send the raw ESC/POS job to the CUPS queue ``NAME``."""

    def __init__(self, name: str, *, timeout: float = 5.0, lp: str = "lp", use_pycups: bool | None = None):
        self.name = name
        self.timeout = timeout
        self.lp = lp
        self.use_pycups = use_pycups  # None: when pycups is installed
        self.paper_low = False

    async def send(self, job: Job) -> None:
        """Spool the job; raises a :class:`PrinterError`."""
        use_pycups = self.use_pycups
        if use_pycups is None:
            use_pycups = importlib.util.find_spec("cups") is not None
        if use_pycups:
            try:
                await asyncio.wait_for(asyncio.shield(asyncio.to_thread(self._pycups, job)), self.timeout)
            except TimeoutError:
                raise PrinterTimeout("打印服务（CUPS）没有响应，请联系工作人员。", detail="pycups timeout") from None
        else:
            await self._lp(job)

    def _pycups(self, job: Job) -> None:
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import CupsPrinter

        printer = CupsPrinter(printer_name=self.name)
        try:
            printer.open(job_name=f"bianmin-{job.name}")
            printer._raw(job.data)
        except (DeviceNotFoundError, RuntimeError) as exc:
            raise PrinterOffline(f"找不到打印队列“{self.name}”，请检查 CUPS 设置。", detail=str(exc)) from None
        finally:
            printer.close()  # close() submits the job

    async def _lp(self, job: Job) -> None:
        # An argument list, never a shell: the queue name comes from configuration.
        args = [self.lp, "-d", self.name, "-o", "raw", "-t", f"bianmin-{job.name}"]
        try:
            proc = await asyncio.create_subprocess_exec(
                *args,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
        except FileNotFoundError:
            raise PrinterSpecError(
                "本机没有安装 CUPS 的 lp 命令，无法使用 cups: 打印机。", detail="lp not found"
            ) from None
        try:
            _, err = await asyncio.wait_for(proc.communicate(job.data), self.timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            raise PrinterTimeout("打印服务（CUPS）没有响应，请联系工作人员。", detail="lp timeout") from None
        if proc.returncode != 0:
            reason = err.decode("utf-8", "replace").strip()
            raise PrinterOffline(f"打印队列“{self.name}”无法接收任务，请检查 CUPS 设置。", detail=reason)
