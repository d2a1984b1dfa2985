"""Chinese text helpers shared by the kiosk screen, the printed ticket, the hall board and
the clerk console: weekday names, dates, office hours and line breaking.

Kivy and Pillow both break a run of hanzi at whichever character runs out of room, so
"。" may start a line and a lone character may hang on the last. :func:`break_lines`
follows the usual rules instead: no closing punctuation at a line start, no opening one at
a line end, Latin runs (phone numbers, 12:30, URLs) and short notes in brackets kept whole,
and no single-character last line. Only a run wider than the whole line is cut.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .protocol import CenterInfo, DayModeInfo, DutyInfo, SupervisionResults

WEEKDAYS = "一二三四五六日"  # Monday first, as date.weekday() counts
NO_LINE_START = frozenset("，。、；：？！）》」』”’〕】…—·,.;:?!)%")
NO_LINE_END = frozenset("（《「『“‘〔【(")
# Breakable units: a newline, a Latin run (phone, time, URL), a short bracketed note such as
# （示例）, a space, one hanzi.
_TOKENS = re.compile(r"\n|[A-Za-z0-9][A-Za-z0-9@#&%+\-_./:=?~—–]*|（[^（）\n]{1,6}）|\s+|.", re.S)


def cn_date(day: dt.date) -> str:
    """``2026-12-01`` -> ``2026年12月1日``, as dates are written on official notices."""
    return f"{day.year}年{day.month}月{day.day}日"


def date_text(day: dt.date) -> str:
    """``2026-12-01`` -> ``2026年12月1日 星期二``, as the kiosk and the hall board show today."""
    return f"{cn_date(day)} {weekday_text(day)}"


def weekday_text(day: dt.date) -> str:
    """``2026-12-01`` -> ``星期二``."""
    return f"星期{WEEKDAYS[day.weekday()]}"


def office_hours(days: Iterable[int], open_: str, close: str) -> str:
    """ISO weekdays and times -> ``每周一、三、五 08:30—17:30`` (or ``周一至周五 …`` for a run)."""
    ordered = sorted(days)
    if len(ordered) >= 3 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        when = f"周{WEEKDAYS[ordered[0] - 1]}至周{WEEKDAYS[ordered[-1] - 1]}"
    else:
        when = "每周" + "、".join(WEEKDAYS[d - 1] for d in ordered)
    return f"{when} {open_}—{close}"


def duty_line(duty: DutyInfo | None) -> str:
    """``今日值班：赵六 138…；带班领导：刘主任 139…`` for the kiosk and the hall board; "" without a rota."""
    if duty is None:
        return ""
    staff = "、".join(f"{p.name} {p.phone}".strip() for p in duty.staff) or "—"
    leader = f"；带班领导：{duty.leader.name} {duty.leader.phone}".rstrip() if duty.leader else ""
    return f"今日值班：{staff}{leader}"


def percent(rate: float | None) -> str:
    """A share as ``98.3%``; ``—`` when there is nothing to count."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def supervision_line(res: SupervisionResults | None) -> str:
    """``本月满意率 98.3% · 投诉答复率 100.0%`` for the hall board's footer; "" before any figures."""
    if res is None:
        return ""
    return f"本月满意率 {percent(res.satisfaction_rate)} · 投诉答复率 {percent(res.complaint_reply_rate)}"


def break_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """``text`` as lines no wider than ``width`` by ``measure`` (a font's advance width)."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        out += _paragraph(paragraph, width, measure)
    return out


def _starts_badly(tokens: list[str]) -> bool:
    return bool(tokens) and tokens[0][0] in NO_LINE_START


def _ends_badly(tokens: list[str]) -> bool:
    return bool(tokens) and tokens[-1][-1] in NO_LINE_END


def _tokens(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    tokens: list[str] = []
    for token in _TOKENS.findall(text):
        # A run wider than the whole line (a long URL) has to break somewhere.
        tokens += list(token) if len(token) > 1 and measure(token) > width else [token]
    return tokens


def _paragraph(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    lines: list[list[str]] = []
    line: list[str] = []
    for token in _tokens(text, width, measure):
        if not line or measure("".join(line) + token) <= width:
            line.append(token)
            continue
        if token.isspace():
            lines.append(line)
            line = []
            continue
        # Move whole tokens down until the break is allowed (but never empty the line, and
        # never make the next line too wide: a too-long line is worse than a bad break).
        nxt = [token]
        while len(line) > 1 and (_starts_badly(nxt) or _ends_badly(line)) and measure(line[-1] + "".join(nxt)) <= width:
            nxt.insert(0, line.pop())
        lines.append(line)
        line = nxt
    lines.append(line)
    last, before = (lines[-1], lines[-2]) if len(lines) > 1 else ([], [])

    def fits_down() -> bool:
        return measure(before[-1] + "".join(last)) <= width

    if len("".join(last)) == 1 and len(before) > 2 and fits_down():  # no lone character on the last line
        last.insert(0, before.pop())
        while len(before) > 2 and (_starts_badly(last) or _ends_badly(before)) and fits_down():
            last.insert(0, before.pop())
    return ["".join(tokens).strip() for tokens in lines if "".join(tokens).strip()] or [""]


def mode_line(mode: DayModeInfo | None) -> str:
    """The mode of the day for the hall board: ``今天是值班日：所有业务请到 4 号窗口办理``; ""
    on office days and without a mode."""
    if mode is None or mode.now == "office":
        return ""
    if mode.now == "duty":
        return f"今天是值班日：所有业务请到 {'、'.join(str(n) for n in mode.duty_windows)} 号窗口办理"
    return "现在不是办公时间，暂停取号"


def serving_windows(center: CenterInfo, category: str) -> str:
    """``请到 1、3 号窗口办理``: the windows that serve ``category``, for the ticket and its screen."""
    numbers = [str(w.number) for w in center.windows if category in w.categories]
    return f"请到 {'、'.join(numbers)} 号窗口办理" if numbers else ""
