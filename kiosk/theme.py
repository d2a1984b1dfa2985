"""Colours and sizes of the kiosk (no Kivy): high contrast, big type, read at arm's length.

Sizes are pixels on a 1080-pixel short side; the app scales them with the window.
"""

from __future__ import annotations


def rgb(hex_: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """``"#0B4F9C"`` -> Kivy RGBA floats."""
    h = hex_.lstrip("#")
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255, alpha)


FONT = "Bianmin"
BASE = 1080  # the short side the sizes below are drawn for

PAGE = rgb("#EEF2F6")
INK = rgb("#111111")
MUTED = rgb("#333A40")  # still 11:1 on white
WHITE = rgb("#FFFFFF")
HEADER = rgb("#0B4F9C")
TILE = rgb("#FFFFFF")
TILE_DOWN = rgb("#D6E4F5")
EDGE = rgb("#9AA7B4")
GREEN = rgb("#166B32")
GREEN_DOWN = rgb("#0E4A22")
GREEN_PALE = rgb("#E3F2E7")
AMBER_PALE = rgb("#FFF4D6")
RED = rgb("#B71C1C")
RED_PALE = rgb("#FDECEA")
ACCENT = rgb("#0B4F9C")

MESSAGE_BAND = {  # header colour of each message kind
    "loading": HEADER,
    "busy": HEADER,
    "unreachable": RED,
    "error": RED,
    "closed": rgb("#8A4B00"),
}
