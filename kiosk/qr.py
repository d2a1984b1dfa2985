"""The ticket's QR code as pixels (no Kivy): the same code the printer prints for ``guide_url``."""

from __future__ import annotations

from bianmin.qr import qr_matrix

BORDER = 4  # modules of quiet zone, as the QR standard asks
DARK, LIGHT = b"\x00\x00\x00\xff", b"\xff\xff\xff\xff"


def qr_rgba(data: str, border: int = BORDER) -> tuple[int, bytes]:
    """``(side, pixels)``: one RGBA pixel per module, rows from the top, with a quiet zone."""
    matrix = qr_matrix(data)
    side = len(matrix) + 2 * border
    blank = LIGHT * side
    rows = [blank] * border
    rows += [LIGHT * border + b"".join(DARK if m else LIGHT for m in row) + LIGHT * border for row in matrix]
    rows += [blank] * border
    return side, b"".join(rows)
