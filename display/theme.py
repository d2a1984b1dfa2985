"""Colours and proportions of the hall board, shared by the .kv files.

Sizes in the .kv files are multiples of ``app.unit`` (1 % of the window height), so the
same layout fits 1920×1080 and 1280×720.
"""

from collections.abc import Sequence

BG = (0.04, 0.09, 0.17, 1)
HEADER_BG = (0.05, 0.24, 0.52, 1)
PANEL_BG = (0.07, 0.14, 0.25, 1)
ROW_ALT_BG = (0.09, 0.17, 0.30, 1)
CALL_BG = (0.45, 0.05, 0.05, 1)
FLASH_BG = (0.86, 0.14, 0.08, 1)  # brighter red: the gold numbers stay readable
MARQUEE_BG = (0.02, 0.05, 0.10, 1)
OFFLINE_BG = (0.80, 0.08, 0.08, 0.95)
TEXT = (1, 1, 1, 1)
DIM = (0.70, 0.78, 0.90, 1)
ACCENT = (1.0, 0.84, 0.31, 1)
PAUSED = (1.0, 0.45, 0.40, 1)
ACCENT_HEX = "ffd54f"


def lerp(a: Sequence[float], b: Sequence[float], t: float) -> list[float]:
    """Colour between ``a`` (t=0) and ``b`` (t=1)."""
    return [x + (y - x) * t for x, y in zip(a, b, strict=True)]
