"""Line breaking for Chinese text on screen (no Kivy): Kivy itself breaks anywhere.

Kivy wraps a run of hanzi at whichever character runs out of room, so "。" may start a
line and a lone character may hang on the last. :func:`break_lines` follows the usual
rules instead: no closing punctuation at a line start, no opening one at a line end,
Latin runs (phone numbers, 12:30) and short notes in brackets kept whole, and no single-character last line.
"""

from __future__ import annotations

import re
from collections.abc import Callable

NO_LINE_START = set("，。、；：？！）》」』”’〕】…—·,.;:?!)%")
NO_LINE_END = set("（《「『“‘〔【(")
# Breakable units: a Latin run, a short bracketed note such as （示例）, a space, one hanzi.
_TOKENS = re.compile(r"\n|[A-Za-z0-9][A-Za-z0-9.:/\-+_%—–]*|（[^（）\n]{1,6}）|\s+|.", re.S)


def break_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """``text`` as lines no wider than ``width`` (except a single token wider than that)."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        out += _paragraph(paragraph, width, measure)
    return out


def _starts_badly(tokens: list[str]) -> bool:
    return bool(tokens) and tokens[0][0] in NO_LINE_START


def _ends_badly(tokens: list[str]) -> bool:
    return bool(tokens) and tokens[-1][-1] in NO_LINE_END


def _paragraph(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    lines: list[list[str]] = []
    line: list[str] = []
    for token in _TOKENS.findall(text):
        if not line or measure("".join(line) + token) <= width:
            line.append(token)
            continue
        if token.isspace():
            lines.append(line)
            line = []
            continue
        # Move whole tokens down until the break is allowed (but never empty the line).
        nxt = [token]
        while len(line) > 1 and (_starts_badly(nxt) or _ends_badly(line)):
            nxt.insert(0, line.pop())
        lines.append(line)
        line = nxt
    lines.append(line)
    last, before = (lines[-1], lines[-2]) if len(lines) > 1 else ([], [])
    if len("".join(last)) == 1 and len(before) > 2:  # no lone character on the last line
        last.insert(0, before.pop())
        while len(before) > 2 and (_starts_badly(last) or _ends_badly(before)):
            last.insert(0, before.pop())
    return ["".join(tokens).strip() for tokens in lines if "".join(tokens).strip()] or [""]
