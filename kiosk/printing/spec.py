"""Parse the one string that picks the printer, e.g. ``network:192.168.1.50:9100``.

Forms: ``usb:VID:PID``, ``network:HOST[:PORT]``, ``serial:DEV[:BAUD]``, ``file:PATH``,
``cups:NAME``, ``preview:DIR``. Errors are :class:`PrinterSpecError` in Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import PrinterSpecError

KINDS = ("usb", "network", "serial", "file", "cups", "preview")
DEFAULT_PORT = 9100
DEFAULT_BAUD = 9600
BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
EXAMPLES = (
    "usb:0416:5011",
    "network:192.168.1.50:9100",
    "serial:/dev/ttyUSB0:115200",
    "file:/dev/usb/lp0",
    "cups:POS80",
    "preview:var/tickets",
)


@dataclass(frozen=True)
class PrinterSpec:
    """A parsed printer setting; only the fields of its ``kind`` are set."""

    kind: str
    target: str = ""  # host, device path, file path, CUPS queue or preview folder
    port: int = DEFAULT_PORT
    baud: int = DEFAULT_BAUD
    vendor_id: int = 0
    product_id: int = 0

    def __str__(self) -> str:
        if self.kind == "usb":
            return f"usb:{self.vendor_id:04x}:{self.product_id:04x}"
        if self.kind == "network":
            return f"network:{self.target}:{self.port}"
        if self.kind == "serial":
            return f"serial:{self.target}:{self.baud}"
        return f"{self.kind}:{self.target}"


def _fail(text: str, reason: str) -> PrinterSpecError:
    return PrinterSpecError(f"打印机设置“{text}”有误：{reason}。示例：{'、'.join(EXAMPLES)}", detail=reason)


def _hex_id(text: str, part: str, what: str) -> int:
    try:
        value = int(part.removeprefix("0x").removeprefix("0X"), 16)
    except ValueError:
        raise _fail(text, f"{what}“{part}”应为十六进制数字，例如 0416") from None
    if not 0 < value <= 0xFFFF:
        raise _fail(text, f"{what}“{part}”应在 0001 到 FFFF 之间")
    return value


def _number(text: str, part: str, what: str) -> int:
    if not part.isdigit():
        raise _fail(text, f"{what}“{part}”应为数字")
    return int(part)


def parse_spec(text: str) -> PrinterSpec:
    """Parse a printer setting; raises :class:`PrinterSpecError` with a Chinese message."""
    text = (text or "").strip()
    kind, sep, rest = text.partition(":")
    kind = kind.lower()
    if not sep or kind not in KINDS:
        raise _fail(text, f"开头应为 {'、'.join(k + ':' for k in KINDS)} 之一")
    if not rest:
        raise _fail(text, f"“{kind}:”后面缺少内容")
    if kind == "usb":
        parts = rest.split(":")
        if len(parts) != 2:
            raise _fail(text, "USB 打印机应写成 usb:厂商号:产品号（十六进制）")
        return PrinterSpec(
            "usb", vendor_id=_hex_id(text, parts[0], "厂商号"), product_id=_hex_id(text, parts[1], "产品号")
        )
    if kind == "network":
        host, port = rest, DEFAULT_PORT
        if rest.startswith("["):  # IPv6 literal: network:[::1]:9100
            host, _, tail = rest[1:].partition("]")
            if tail:
                port = _number(text, tail.removeprefix(":"), "端口")
        elif rest.count(":") == 1:
            host, port_text = rest.split(":")
            port = _number(text, port_text, "端口")
        if not host or not 0 < port < 65536:
            raise _fail(text, "网络打印机应写成 network:地址[:端口]，端口在 1 到 65535 之间")
        return PrinterSpec("network", target=host, port=port)
    if kind == "serial":
        device, _, baud_text = rest.partition(":")
        baud = _number(text, baud_text, "波特率") if baud_text else DEFAULT_BAUD
        if baud not in BAUDS:
            raise _fail(text, f"波特率应为 {'、'.join(map(str, BAUDS))} 之一")
        return PrinterSpec("serial", target=device, baud=baud)
    return PrinterSpec(kind, target=rest)
