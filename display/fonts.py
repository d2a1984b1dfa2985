"""Make every Kivy label draw with our Simplified Chinese font.

Kivy has no font fallback and its default Roboto draws hanzi as boxes, so we register
our subset font under Kivy's default font name: every Label, in our .kv files or not,
then uses it without having to say so.
"""

from __future__ import annotations

from kivy.core.text import DEFAULT_FONT, LabelBase

from bianmin.assets import FONT_BOLD, FONT_REGULAR


class FontError(RuntimeError):
    """The shipped font files are missing."""


def register() -> None:
    """Register the regular and bold faces as Kivy's default font."""
    for path in (FONT_REGULAR, FONT_BOLD):
        if not path.is_file():
            raise FontError(f"缺少字体文件 {path}，请运行 make font")
    LabelBase.register(DEFAULT_FONT, fn_regular=str(FONT_REGULAR), fn_bold=str(FONT_BOLD))
