"""Make every Kivy label draw with our Simplified Chinese font (kiosk and hall display).

Kivy has no font fallback and its default Roboto draws hanzi as boxes; it also opens face 0
of a system .ttc, which is Japanese. We register our own subset under Kivy's default font
name (so any label draws Chinese, said or not) and as ``Bianmin``, the name our .kv rules
set explicitly. When the center's texts need more than the bundled subset,
:func:`use` registers the extended one (:mod:`bianmin.fontcover`) and redraws every
label. Imports Kivy: only the Kivy apps import this module.
"""

from __future__ import annotations

from pathlib import Path

from kivy.core.text import DEFAULT_FONT, LabelBase
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from bianmin.assets import FONT_BOLD, FONT_REGULAR

FONT_NAME = "Bianmin"


class FontError(RuntimeError):
    """The shipped font files are missing."""


def register(regular: Path = FONT_REGULAR, bold: Path = FONT_BOLD) -> None:
    """Register the regular and bold faces; raises :class:`FontError` when a file is missing."""
    for path in (regular, bold):
        if not path.is_file():
            raise FontError(f"缺少字体文件 {path}，请运行 make font")
    for name in (FONT_NAME, DEFAULT_FONT):
        LabelBase.register(name, fn_regular=str(regular), fn_bold=str(bold))


def current() -> Path:
    """The file Kivy draws regular ``Bianmin`` text with now."""
    return Path(LabelBase._fonts[FONT_NAME][0])


def use(regular: Path, bold: Path, root: Widget | None) -> bool:
    """Draw with these faces from now on; redraws the labels under ``root``. True if changed."""
    changed = current() != regular
    register(regular, bold)
    if root is not None:
        for widget in root.walk(restrict=True):
            if isinstance(widget, Label):
                widget.texture_update()
    return changed
