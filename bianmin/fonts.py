"""Make every Kivy label draw with our Simplified Chinese font (kiosk and hall display).

Kivy has no font fallback and its default Roboto draws hanzi as boxes; it also opens face 0
of a system .ttc, which is Japanese. We register our own subset under Kivy's default font
name (so any label draws Chinese, said or not) and as ``Bianmin``, the name our .kv rules
set explicitly. Imports Kivy: only the Kivy apps import this module.
"""

from __future__ import annotations

from kivy.core.text import DEFAULT_FONT, LabelBase

from bianmin.assets import FONT_BOLD, FONT_REGULAR

FONT_NAME = "Bianmin"


class FontError(RuntimeError):
    """The shipped font files are missing."""


def register() -> None:
    """Register the regular and bold faces; raises :class:`FontError` when a file is missing."""
    for path in (FONT_REGULAR, FONT_BOLD):
        if not path.is_file():
            raise FontError(f"缺少字体文件 {path}，请运行 make font")
    for name in (FONT_NAME, DEFAULT_FONT):
        LabelBase.register(name, fn_regular=str(FONT_REGULAR), fn_bold=str(FONT_BOLD))
