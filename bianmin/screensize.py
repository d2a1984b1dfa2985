"""Window sizes given on the command line (``--size 1080x1920``) by the kiosk and the display."""

from __future__ import annotations

import argparse

# From a small 4:3 panel up to an 8K board, in either orientation.
MIN_SIDE = 240
MAX_SIDE = 7680


def parse_size(text: str) -> tuple[int, int]:
    """``1080x1920`` -> ``(1080, 1920)``; both sides between 240 and 7680 pixels.

    Raises :class:`argparse.ArgumentTypeError` with a message in Chinese, so that argparse,
    given this as an option's ``type``, reports it against the option.
    """
    w, sep, h = text.strip().lower().partition("x")
    if not sep or not w.isdigit() or not h.isdigit():
        raise argparse.ArgumentTypeError(f"窗口大小“{text}”格式应为 宽x高，例如 1080x1920")
    width, height = int(w), int(h)
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise argparse.ArgumentTypeError(f"窗口大小“{text}”超出范围：宽和高都应在 {MIN_SIDE} 到 {MAX_SIDE} 像素之间")
    return width, height


def parse_position(text: str) -> tuple[int, int]:
    """``960,0`` -> ``(960, 0)``: a window's top-left corner on the screen, in pixels."""
    x, sep, y = text.strip().partition(",")
    if not sep or not x.strip().isdigit() or not y.strip().isdigit():
        raise argparse.ArgumentTypeError(f"窗口位置“{text}”格式应为 左,上，例如 960,0")
    return int(x), int(y)
