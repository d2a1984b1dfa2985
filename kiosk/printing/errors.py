"""Typed printer errors, each with a fault code and a Chinese message for the resident.

The kiosk shows ``err.message``; logs and tests use ``err.fault`` (a short code such as
``paper_out``; named so that ``status`` keeps meaning an HTTP status on the API's errors)
and ``err.detail`` (the technical cause).
"""

from __future__ import annotations


class PrinterError(Exception):
    """Printing failed; ``message`` is what the kiosk screen says."""

    fault = "printer_error"
    default_message = "打印机出现故障，请联系工作人员。"

    def __init__(self, message: str | None = None, detail: str = ""):
        self.message = message or self.default_message
        self.detail = detail  # technical cause, for the log only
        super().__init__(self.message)


class PrinterSpecError(PrinterError):
    """The printer setting (``usb:…``, ``network:…`` …) cannot be understood."""

    fault = "printer_spec"
    default_message = "打印机设置有误，请联系工作人员检查配置。"


class PrinterOffline(PrinterError):
    """The printer is off, unplugged, unreachable or refuses the connection."""

    fault = "printer_offline"
    default_message = "打印机未连接或未开机，请联系工作人员。"


class PaperOut(PrinterError):
    """The paper roll is empty (or the cover is open)."""

    fault = "paper_out"
    default_message = "打印机缺纸，请联系工作人员更换纸卷。"


class PrinterTimeout(PrinterError):
    """The printer did not answer in time."""

    fault = "printer_timeout"
    default_message = "打印机没有响应，请稍后重试或联系工作人员。"
