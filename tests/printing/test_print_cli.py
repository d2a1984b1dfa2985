"""``python -m kiosk print-sample``."""

from __future__ import annotations

import subprocess
import sys

import zxingcpp
from PIL import Image

from kiosk.cli import main


def test_print_sample_to_preview(tmp_path, capsys):
    assert main(["print-sample", "--printer", f"preview:{tmp_path}", "--paper", "58", "--priority"]) == 0
    (png,) = tmp_path.glob("*.png")
    assert "已打印样票 A001" in capsys.readouterr().out
    with Image.open(png) as image:
        assert image.width == 384
        (code,) = zxingcpp.read_barcodes(image)
    assert code.text.startswith("http://127.0.0.1:8000/g/A1?t=")


def test_bad_printer_setting_is_a_clear_error(capsys):
    assert main(["print-sample", "--printer", "usb:nope"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("错误：打印机设置“usb:nope”有误")


def test_module_entry_point(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "print-sample", "--printer", f"file:{tmp_path / 'out'}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out").read_bytes().startswith(b"\x1b@")
