"""USB printers by vendor and product id, through pyusb (needs libusb-1.0-0).

pyusb calls block, so none runs on the event loop: each goes to one worker thread that
owns every pyusb call (libusb handles are used from one thread, in order), and the loop
waits for it at most the call's own USB timeout plus a grace. A printer whose USB stack
hangs beyond its timeout costs the kiosk a :class:`PrinterTimeout`, never a frozen screen;
the stuck call finishes (and the device is released) on the worker by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import PrinterError, PrinterOffline, PrinterSpecError, PrinterTimeout
from .status import check_printer, query

if TYPE_CHECKING:
    from .printer import Job

T = TypeVar("T")

# One thread for all pyusb calls: a hung call delays the next print's USB work, never the UI.
_USB_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyusb")
GRACE = 1.0  # seconds the loop waits beyond a pyusb timeout before calling the printer hung
OPEN_TIMEOUT = 5.0  # find, detach the kernel driver, set the configuration


def _pyusb() -> Any:
    try:
        import usb.core
        import usb.util
    except ImportError:
        raise PrinterSpecError(
            "USB 打印需要安装 pyusb 软件包，请联系管理员，或改用 file:/dev/usb/lp0。", detail="pyusb missing"
        ) from None
    return usb


class UsbPrinter:
    """``usb:VID:PID``: the first bulk OUT (and IN, for status) endpoint of interface 0."""

    def __init__(
        self,
        vendor_id: int,
        product_id: int,
        *,
        check_status: bool = True,
        timeout_ms: int = 3000,
        reply_timeout_ms: int = 500,
    ):
        self.vendor_id, self.product_id = vendor_id, product_id
        self.check_status = check_status
        self.timeout_ms, self.reply_timeout_ms = timeout_ms, reply_timeout_ms
        self.paper_low = False

    def _name(self) -> str:
        return f"USB 打印机 {self.vendor_id:04x}:{self.product_id:04x}"

    def _error(self, usb: Any, exc: Exception) -> PrinterError:
        if isinstance(exc, usb.core.USBTimeoutError):
            return PrinterTimeout(f"{self._name()}没有响应，请检查打印机。", detail=str(exc))
        return PrinterOffline(f"{self._name()}通信失败，请检查电源和数据线。", detail=str(exc))

    async def _call(self, limit: float, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` on the pyusb thread; PrinterTimeout if it takes over ``limit`` s."""
        done = asyncio.get_running_loop().run_in_executor(_USB_THREAD, lambda: fn(*args, **kwargs))
        try:
            return await asyncio.wait_for(asyncio.shield(done), limit)
        except TimeoutError:
            # Nobody awaits the hung call any more: take its outcome when it ends, unlogged.
            done.add_done_callback(lambda f: f.cancelled() or f.exception())
            raise PrinterTimeout(
                f"{self._name()}没有响应，请检查打印机。", detail=f"pyusb call hung over {limit:.1f}s"
            ) from None

    def _open(self, usb: Any) -> tuple[Any, Any, Any]:
        try:
            dev = usb.core.find(idVendor=self.vendor_id, idProduct=self.product_id)
        except usb.core.NoBackendError:
            raise PrinterSpecError(
                "USB 打印需要 Debian 软件包 libusb-1.0-0，请联系管理员。", detail="no libusb backend"
            ) from None
        if dev is None:
            raise PrinterOffline(f"找不到 {self._name()}，请检查打印机电源和 USB 数据线。", detail="device not found")
        with contextlib.suppress(NotImplementedError, usb.core.USBError):
            if dev.is_kernel_driver_active(0):
                dev.detach_kernel_driver(0)  # usblp holds the printer otherwise
        with contextlib.suppress(usb.core.USBError):
            dev.set_configuration()
        intf = dev.get_active_configuration()[(0, 0)]

        def endpoint(direction: int) -> Any:
            return usb.util.find_descriptor(
                intf,
                custom_match=lambda e: (
                    usb.util.endpoint_direction(e.bEndpointAddress) == direction
                    and usb.util.endpoint_type(e.bmAttributes) == usb.util.ENDPOINT_TYPE_BULK
                ),
            )

        out_ep = endpoint(usb.util.ENDPOINT_OUT)
        if out_ep is None:
            raise PrinterOffline(f"{self._name()}不是打印机（没有输出端点）。", detail="no OUT")
        return dev, out_ep, endpoint(usb.util.ENDPOINT_IN)

    async def send(self, job: Job) -> None:
        """Check status when the printer can answer, then write; raises a PrinterError."""
        usb = _pyusb()
        try:
            dev, out_ep, in_ep = await self._call(OPEN_TIMEOUT, self._open, usb)
        except usb.core.USBError as exc:
            raise self._error(usb, exc) from None
        try:
            if self.check_status and in_ep is not None:
                self.paper_low = await check_printer(lambda n: self._ask(usb, out_ep, in_ep, n))
            await self._call(self.timeout_ms / 1000 + GRACE, out_ep.write, job.data, timeout=self.timeout_ms)
        except usb.core.USBError as exc:
            raise self._error(usb, exc) from None
        finally:
            # Queued behind any hung call on the pyusb thread: released when that call returns.
            with contextlib.suppress(PrinterTimeout, usb.core.USBError):
                await self._call(GRACE, usb.util.dispose_resources, dev)

    async def _ask(self, usb: Any, out_ep: Any, in_ep: Any, n: int) -> int | None:
        limit = self.reply_timeout_ms / 1000 + GRACE
        await self._call(limit, out_ep.write, query(n), timeout=self.reply_timeout_ms)
        try:
            answer = await self._call(limit, in_ep.read, in_ep.wMaxPacketSize, timeout=self.reply_timeout_ms)
        except usb.core.USBTimeoutError:
            return None  # many USB printers never answer status: treat it as unknown
        return answer[-1] if len(answer) else None
