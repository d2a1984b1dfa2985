"""Line breaking for Chinese text on screen (no Kivy): Kivy itself breaks anywhere.

Kivy wraps a run of hanzi at whichever character runs out of room, so "。" may start a
line and a lone character may hang on the last. :func:`break_lines` follows the usual
rules instead: no closing punctuation at a line start, no opening one at a line end,
Latin runs (phone numbers, 12:30) kept whole, and no single-character last line.
"""

from __future__ import annotations

import re
from collections.abc import Callable

NO_LINE_START = set("，。、；：？！）》」』”’〕】…—·,.;:?!)%")
NO_LINE_END = set("（《「『“‘〔【(")
_TOKENS = re.compile(r"\n|[A-Za-z0-9][A-Za-z0-9.:/\-+_%—–]*|\s+|.", re.S)


def break_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """``text`` as lines no wider than ``width`` (except a single token wider than that)."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        out += _paragraph(paragraph, width, measure)
    return out


def _paragraph(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(text):
        if not line or measure(line + token) <= width:
            line += token
            continue
        if token.isspace():
            lines.append(line)
            line = ""
            continue
        # Move characters down until the break is allowed (but never empty the line).
        carry = ""
        while len(line) > 1 and (token[0] in NO_LINE_START or line[-1] in NO_LINE_END):
            carry = line[-1] + carry
            line = line[:-1]
            if carry[0] not in NO_LINE_START and line[-1] not in NO_LINE_END:
                break
        lines.append(line.rstrip())
        line = carry + token
    lines.append(line)
    if len(lines) > 1 and len(lines[-1]) == 1 and len(lines[-2]) > 2:
        lines[-2], lines[-1] = lines[-2][:-1], lines[-2][-1] + lines[-1]
        if lines[-1][0] in NO_LINE_START and len(lines[-2]) > 2:
            lines[-2], lines[-1] = lines[-2][:-1], lines[-2][-1] + lines[-1]
    return [ln for ln in lines if ln] or [""]
