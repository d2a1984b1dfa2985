"""Draw ticket blocks as a 1-bit image with our own Chinese font (Pillow).

A raster image prints on any ESC/POS printer, whatever its character sets. Lines break by
the same rules as on the kiosk screen (:func:`bianmin.text.break_lines`).
"""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bianmin.assets import FONT_BOLD, FONT_REGULAR
from bianmin.qr import qr_matrix
from bianmin.text import break_lines

from .layout import Block, Paper, Qr, Rule, Text

# The faces tickets are drawn with: the bundled subset, or the extended one that the
# center's names need (set by :func:`use_fonts`).
FACES = {False: FONT_REGULAR, True: FONT_BOLD}
MARGIN = 8  # dots kept blank at both paper edges
THRESHOLD = 150  # grey levels darker than this print black


@functools.lru_cache(maxsize=32)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """Our subset font at ``size`` dots (cached: loading a CJK font takes milliseconds)."""
    return ImageFont.truetype(str(FACES[bold]), size)


def use_fonts(regular: Path, bold: Path) -> None:
    """Draw later tickets with these faces (from :class:`bianmin.fontcover.FontChoice`)."""
    FACES.update({False: regular, True: bold})
    font.cache_clear()


def _text(block: Text, width: int) -> Image.Image:
    face = font(block.size, block.bold)
    pad = block.size // 3 if block.invert else 0
    lines = break_lines(block.text, width - 2 * MARGIN - 2 * pad, face.getlength)
    pitch = round(block.size * 1.3)
    img = Image.new("L", (width, pitch * len(lines) + 2 * pad), 255)
    draw = ImageDraw.Draw(img)
    if block.invert:
        text_w = max(face.getlength(ln) for ln in lines)
        left = (width - text_w) / 2 - pad
        draw.rounded_rectangle((left, 0, left + text_w + 2 * pad, img.height - 1), radius=pad, fill=0)
    for i, line in enumerate(lines):
        # Baseline a little above the em box bottom, so ideographs and Latin share it.
        y = pad + i * pitch + round(block.size * 1.04)
        x, anchor = {"left": (MARGIN, "ls"), "right": (width - MARGIN, "rs")}.get(block.align, (width // 2, "ms"))
        draw.text((x, y), line, font=face, fill=255 if block.invert else 0, anchor=anchor)
    return img


def _qr(block: Qr, width: int) -> Image.Image:
    matrix = qr_matrix(block.data)
    n = len(matrix)
    scale = max(2, min(block.size, width - 2 * MARGIN) // n)
    small = Image.new("L", (n, n), 255)
    small.putdata([0 if dark else 255 for row in matrix for dark in row])
    code = small.resize((n * scale, n * scale), Image.Resampling.NEAREST)
    quiet = 2 * scale  # plus the blank paper around it, more than the 4 modules QR asks
    img = Image.new("L", (width, code.height + 2 * quiet), 255)
    img.paste(code, ((width - code.width) // 2, quiet))
    return img


def _block(block: Block, width: int) -> Image.Image:
    if isinstance(block, Text):
        return _text(block, width)
    if isinstance(block, Qr):
        return _qr(block, width)
    if isinstance(block, Rule):
        img = Image.new("L", (width, 14), 255)
        ImageDraw.Draw(img).line((MARGIN, 7, width - MARGIN, 7), fill=0, width=2)
        return img
    return Image.new("L", (width, max(1, block.dots)), 255)


def draw_blocks(blocks: list[Block], paper: Paper) -> Image.Image:
    """One 1-bit image, ``paper.width`` dots wide, of all ``blocks`` stacked."""
    parts = [_block(b, paper.width) for b in blocks]
    img = Image.new("L", (paper.width, sum(p.height for p in parts)), 255)
    y = 0
    for part in parts:
        img.paste(part, (0, y))
        y += part.height
    return img.point(lambda v: 255 if v >= THRESHOLD else 0, mode="1")
