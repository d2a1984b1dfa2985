"""Our font subset covers every character the UI and the center config can show."""

from __future__ import annotations

import pytest
from fontTools.ttLib import TTFont

from bianmin.assets import (
    FONT_BOLD,
    FONT_LICENSE,
    FONT_REGULAR,
    SOURCE_ROOT,
    text_sources,
    ui_chars,
)
from bianmin.center import load_center

NOTO_SC = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2)


def _explain(char: str) -> str:
    """Where ``char`` is used, and whether `make font` can add it."""
    where = [
        str(p.relative_to(SOURCE_ROOT))
        for p in text_sources()
        if char in p.read_text(encoding="utf-8", errors="replace")
    ]
    try:
        with TTFont(NOTO_SC[0], fontNumber=NOTO_SC[1], lazy=True) as noto:
            fixable = ord(char) in noto.getBestCmap()
    except OSError:
        fixable = None
    advice = {
        True: "run `make font`",
        None: "run `make font` (needs fonts-noto-cjk)",
        False: "Noto Sans CJK has no such glyph: use another character",
    }[fixable]
    return f"  {char!r} U+{ord(char):04X} in {', '.join(where)}: {advice}"


@pytest.fixture(scope="module")
def needed() -> set[str]:
    return ui_chars()


@pytest.mark.parametrize("path", [FONT_REGULAR, FONT_BOLD], ids=["regular", "bold"])
def test_font_covers_all_ui_and_config_text(path, needed):
    with TTFont(path, lazy=True) as font:
        cmap = font.getBestCmap()
        assert font["name"].getDebugName(1) == "Noto Sans SC Bianmin"
    missing = sorted(c for c in needed if ord(c) not in cmap)
    assert not missing, f"{path.name} lacks:\n" + "\n".join(_explain(c) for c in missing)
    assert all(ord(c) in cmap for c in "0123456789ABCabc，。：（）—")


def test_scan_finds_the_texts():
    """The scan itself must see the config and the UI, or the test above proves nothing."""
    sources = {p.name for p in text_sources()}
    assert {"center.toml", "layout.py", "cli.py"} <= sources
    chars = ui_chars()
    center = load_center()
    assert set(center.name) <= chars
    assert set("扫码查看办事指南和排队进度绿色通道") <= chars  # from kiosk/printing/layout.py
    assert not {c for c in chars if ord(c) < 0x7F}


def test_fonts_are_small_and_licensed():
    for path in (FONT_REGULAR, FONT_BOLD):
        assert path.stat().st_size < 4_000_000  # all of GB2312 since issue 16
    text = FONT_LICENSE.read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in text
    assert "Copyright 2014-2021 Adobe" in text
