"""攸县鸾山镇 with 坳上村 and 塅里村 on the kiosk, its printed ticket and the hall board: no box.

Tesseract misreads rare characters even when drawn well, so the proof is the font each
label and the printer actually draw with (its cmap covers every character shown), with
OCR of the common part of the names and screenshots to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image
from test_kiosk_gui import SHOTS, printed, run

from bianmin.assets import FONT_REGULAR
from bianmin.fontcover import NOTO_SOURCES, font_cmap
from tests.display.conftest import ocr
from tests.floor.youxian import NAME, RARE, VILLAGES

pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(not all(p.is_file() for p in NOTO_SOURCES.values()), reason="needs fonts-noto-cjk"),
]


def uncovered(drawn: list[list[str]]) -> list[str]:
    """Characters some label or ticket line shows that its own font file lacks."""
    return [
        f"{c} in {text!r} ({font})"
        for text, font in drawn
        for c in text
        if c != "\n" and ord(c) not in font_cmap(Path(font))  # a space is drawn too
    ]


def test_kiosk_and_ticket_draw_every_character(tmp_path):
    r = run("youxian", tmp_path, timeout=75)  # the first start builds the extended subset
    font = Path(r["font"])
    assert font != FONT_REGULAR and font.parent.parent == tmp_path / "youxian" / "var" / "fonts"
    steps = {s["step"]: s for s in r["steps"]}
    shown = "".join(t for s in steps.values() for t, _f in s["drawn"])
    assert NAME in shown and all(v in shown for v in VILLAGES) and set(RARE) <= set(shown)
    for name, s in steps.items():
        assert s["overflow"] == [], (name, s["overflow"])
        assert not uncovered(s["drawn"]), name
    lines = "".join(t for t, _f in r["printed"])
    assert NAME in lines and "坳上村、塅里村生育证" in lines
    assert not uncovered(r["printed"])
    assert {Path(f).parent for _t, f in r["printed"]} == {font.parent}
    job = printed(r)[0].image()
    job.save(tmp_path / "ticket.png")
    shutil.copy(tmp_path / "ticket.png", SHOTS / "kiosk_youxian_printed.png")
    top = tmp_path / "ticket_top.png"
    job.convert("L").crop((0, 0, job.width, 70)).point(lambda v: 255 - v).save(top)
    with Image.open(top) as im:
        assert im.getbbox() is not None
    # OCR the printed title; tesseract may miss the rare 攸/鸾, not the common part.
    assert "便民服务中心" in ocr(top, [0, 0, job.width, 70])
