"""Draw the kiosk's plain category icons into bianmin/data/icons/ (run once; the PNGs are committed).

Each icon is a solid coloured disc with a white pictogram made of simple shapes: easy to
read at arm's length, no font needed. Drawn at 4x and scaled down for smooth edges.

    .venv/bin/python scripts/make_icons.py
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bianmin.assets import ICONS_DIR

OUT = ICONS_DIR
SIZE = 256
S = 4  # supersampling factor
W = SIZE * S
WHITE = (255, 255, 255, 255)

Draw = ImageDraw.ImageDraw


def px(v: float) -> int:
    """A coordinate on the 0..100 design grid, in supersampled pixels."""
    return round(v * W / 100)


def box(x0: float, y0: float, x1: float, y1: float) -> list[int]:
    return [px(x0), px(y0), px(x1), px(y1)]


def line(d: Draw, pts: list[tuple[float, float]], width: float, color: tuple[int, int, int, int] = WHITE) -> None:
    d.line([(px(x), px(y)) for x, y in pts], fill=color, width=px(width), joint="curve")
    r = width / 2
    for x, y in (pts[0], pts[-1]):  # round caps
        d.ellipse(box(x - r, y - r, x + r, y + r), fill=color)


def person(d: Draw, cx: float, top: float, scale: float, gap: float = 0) -> None:
    """A head and a rounded body, ``scale`` 1 is an adult; ``gap`` cuts a clear rim around it."""
    for grow, fill in ((gap, (0, 0, 0, 0)), (0, WHITE)) if gap else ((0, WHITE),):
        r = 7 * scale + grow
        d.ellipse(box(cx - r, top - grow, cx + r, top - grow + 2 * r), fill=fill)
        body_top = top + 14 * scale + 2 * scale
        d.rounded_rectangle(
            box(cx - 10 * scale - grow, body_top - grow, cx + 10 * scale + grow, body_top + 26 * scale + grow),
            radius=px(7 * scale + grow),
            fill=fill,
        )


def family(d: Draw) -> None:  # 计划生育
    person(d, 32, 24, 1.0)
    person(d, 68, 24, 1.0)
    person(d, 50, 44, 0.7, gap=3)


def coin(d: Draw) -> None:  # 财政税收: a coin with ¥
    d.ellipse(box(24, 24, 76, 76), outline=WHITE, width=px(6))
    line(d, [(38, 34), (50, 50), (62, 34)], 5.5)
    line(d, [(50, 50), (50, 66)], 5.5)
    line(d, [(39, 52), (61, 52)], 4.5)
    line(d, [(39, 60), (61, 60)], 4.5)


def heart(d: Draw) -> None:  # 民政: care
    d.ellipse(box(24, 28, 52, 56), fill=WHITE)
    d.ellipse(box(48, 28, 76, 56), fill=WHITE)
    pts = [(24.2, 43), (25.5, 50), (50, 78), (74.5, 50), (75.8, 43), (50, 42)]
    d.polygon([(px(x), px(y)) for x, y in pts], fill=WHITE)


def leaf(d: Draw, cx: float, cy: float, length: float, angle: float) -> None:
    """A pointed leaf from (cx, cy) towards ``angle`` degrees (0 = right, 90 = up)."""
    a = math.radians(angle)
    ts = [i / 40 * math.pi for i in range(41)]
    upper = [(length * (1 - math.cos(t)) / 2, math.sin(t) * length * 0.28) for t in ts]
    lower = [(x, -y) for x, y in reversed(upper)]
    rot = [(cx + x * math.cos(a) + y * math.sin(a), cy - x * math.sin(a) + y * math.cos(a)) for x, y in upper + lower]
    d.polygon([(px(x), px(y)) for x, y in rot], fill=WHITE)


def sprout(d: Draw) -> None:  # 农村经济管理: a growing sprout over the ground
    line(d, [(50, 76), (50, 40)], 5)
    leaf(d, 50, 52, 26, 35)
    leaf(d, 50, 44, 24, 145)
    line(d, [(28, 78), (72, 78)], 5)


def cross(d: Draw) -> None:  # 农村合作医疗
    d.rounded_rectangle(box(41, 22, 59, 78), radius=px(3), fill=WHITE)
    d.rounded_rectangle(box(22, 41, 78, 59), radius=px(3), fill=WHITE)


def briefcase(d: Draw) -> None:  # 劳动和社会保障
    d.rounded_rectangle(box(40, 24, 60, 40), radius=px(4), outline=WHITE, width=px(5))
    d.rounded_rectangle(box(22, 34, 78, 74), radius=px(6), fill=WHITE)


def house(d: Draw) -> None:  # 国土管理: a house on its plot
    d.polygon([(px(50), px(20)), (px(80), px(46)), (px(20), px(46))], fill=WHITE)
    d.rectangle(box(28, 44, 72, 72), fill=WHITE)
    line(d, [(18, 80), (82, 80)], 5)


def document(d: Draw) -> None:  # 党政综合服务
    d.polygon([(px(28), px(20)), (px(60), px(20)), (px(72), px(32)), (px(72), px(80)), (px(28), px(80))], fill=WHITE)
    for y in (40, 52, 64):
        d.rectangle(box(36, y, 64, y + 4), fill=(0, 0, 0, 0))


def wheelchair(d: Draw) -> None:  # 绿色通道: the international accessibility sign
    d.ellipse(box(38, 14, 50, 26), fill=WHITE)
    line(d, [(44, 32), (46, 56), (64, 56), (72, 74)], 6)
    line(d, [(45, 42), (60, 42)], 5)
    d.arc(box(22, 44, 62, 84), start=100, end=380, fill=WHITE, width=px(5.5))


def ticket(d: Draw) -> None:  # any other category: a queue ticket
    d.rounded_rectangle(box(26, 20, 74, 80), radius=px(5), fill=WHITE)
    for y in (34, 46, 58):
        d.rectangle(box(34, y, 66, y + 5), fill=(0, 0, 0, 0))


ICONS: dict[str, tuple[tuple[int, int, int], Callable[[Draw], None]]] = {
    "A": ((173, 20, 87), family),
    "B": ((150, 85, 0), coin),
    "C": ((106, 27, 154), heart),
    "D": ((46, 125, 50), sprout),
    "E": ((198, 40, 40), cross),
    "F": ((21, 101, 192), briefcase),
    "G": ((93, 64, 55), house),
    "H": ((55, 71, 79), document),
    "priority": ((22, 107, 50), wheelchair),
    "default": ((69, 90, 100), ticket),
}


def draw_icon(color: tuple[int, int, int], pictogram: Callable[[Draw], None]) -> Image.Image:
    """One icon: a ``color`` disc with a white pictogram."""
    glyph = Image.new("RGBA", (W, W), (0, 0, 0, 0))
    pictogram(ImageDraw.Draw(glyph))
    img = Image.new("RGBA", (W, W), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse([0, 0, W - 1, W - 1], fill=(*color, 255))
    img.alpha_composite(glyph)  # cut-outs in the pictogram show the disc through
    return img.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (color, pictogram) in ICONS.items():
        path = OUT / f"{name}.png"
        draw_icon(color, pictogram).save(path, optimize=True)
        print(path)


if __name__ == "__main__":
    main()
