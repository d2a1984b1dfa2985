"""The printer setting string: every form, and clear Chinese errors."""

from __future__ import annotations

import pytest

from kiosk.printing import PrinterSpec, PrinterSpecError, parse_spec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("usb:0416:5011", PrinterSpec("usb", vendor_id=0x0416, product_id=0x5011)),
        ("USB:0x04b8:0x0202", PrinterSpec("usb", vendor_id=0x04B8, product_id=0x0202)),
        ("network:192.168.1.50", PrinterSpec("network", target="192.168.1.50", port=9100)),
        ("network:printer.local:9101", PrinterSpec("network", target="printer.local", port=9101)),
        ("network:[::1]:9100", PrinterSpec("network", target="::1", port=9100)),
        ("serial:/dev/ttyUSB0", PrinterSpec("serial", target="/dev/ttyUSB0", baud=9600)),
        ("serial:/dev/ttyS1:115200", PrinterSpec("serial", target="/dev/ttyS1", baud=115200)),
        ("file:/dev/usb/lp0", PrinterSpec("file", target="/dev/usb/lp0")),
        ("cups:POS-80", PrinterSpec("cups", target="POS-80")),
        (" preview:var/tickets ", PrinterSpec("preview", target="var/tickets")),
    ],
)
def test_valid_settings(text, expected):
    assert parse_spec(text) == expected


def test_round_trip():
    for text in (
        "usb:0416:5011",
        "network:10.0.0.9:9100",
        "serial:/dev/ttyS0:19200",
        "file:/tmp/x",
        "cups:POS80",
        "preview:var/tickets",
    ):
        assert str(parse_spec(text)) == text


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "开头应为"),
        ("lpt1", "开头应为"),
        ("bluetooth:AA:BB", "开头应为"),
        ("usb:", "缺少内容"),
        ("usb:0416", "厂商号:产品号"),
        ("usb:zz16:5011", "厂商号“zz16”应为十六进制"),
        ("usb:0416:0", "产品号“0”应在"),
        ("network:host:port", "端口“port”应为数字"),
        ("network:host:70000", "端口在 1 到 65535"),
        ("network::9100", "network:地址"),
        ("serial:/dev/ttyS0:1234", "波特率应为"),
        ("serial:/dev/ttyS0:fast", "波特率“fast”应为数字"),
    ],
)
def test_bad_settings_say_what_is_wrong_in_chinese(text, words):
    with pytest.raises(PrinterSpecError) as err:
        parse_spec(text)
    assert words in err.value.message
    assert f"“{text.strip()}”" in err.value.message
    assert "示例" in err.value.message
    assert err.value.fault == "printer_spec"
