"""What a ticket says, as a device-independent list of blocks.

:func:`ticket_blocks` turns an :class:`IssuedTicket` and the center's details (the
:class:`~bianmin.protocol.CenterInfo` of ``GET /api/center``, or of
:func:`bianmin.center.center_info`) into blocks; :mod:`.raster` draws them as an image and
:mod:`.commands` turns them into ESC/POS bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bianmin.protocol import CenterInfo, IssuedTicket
from bianmin.text import serving_windows

QR_CAPTION = "扫码查看办事指南和排队进度"
PRIORITY_MARK = "绿色通道 · 优先办理"


@dataclass(frozen=True)
class Paper:
    """A paper roll: its name in millimetres and its printable width in dots (203 dpi)."""

    mm: int
    width: int
    text_scale: float  # glyph sizes relative to 80 mm paper

    def scaled(self, px80: int, minimum: int = 20) -> int:
        """A size given for 80 mm paper, scaled for this roll; text stays >= 20 dots."""
        return max(minimum, round(px80 * self.text_scale))


PAPERS = {80: Paper(80, 576, 1.0), 58: Paper(58, 384, 0.8)}


@dataclass(frozen=True)
class Text:
    """A paragraph; ``size`` is the glyph height in dots, ``mag`` the native-mode magnification."""

    text: str
    size: int
    bold: bool = False
    align: str = "center"
    invert: bool = False
    mag: int = 1


@dataclass(frozen=True)
class Qr:
    """A QR code of ``data`` about ``size`` dots wide."""

    data: str
    size: int


@dataclass(frozen=True)
class Rule:
    """A thin horizontal line across the paper."""


@dataclass(frozen=True)
class Space:
    """Blank paper, ``dots`` high."""

    dots: int


Block = Text | Qr | Rule | Space


def issue_time(issued_at: str, timezone: str | None = None) -> str:
    """``2025-03-03T09:05:00+08:00`` -> ``2025-03-03 09:05`` in the center's time zone."""
    try:
        when = dt.datetime.fromisoformat(issued_at)
    except ValueError:
        return issued_at
    if timezone and when.tzinfo is not None:
        when = when.astimezone(ZoneInfo(timezone))
    return f"{when:%Y-%m-%d %H:%M}"


def ticket_blocks(ticket: IssuedTicket, center: CenterInfo, paper: Paper) -> list[Block]:
    """The ticket, top to bottom, sized for ``paper``."""
    s = paper.scaled
    blocks: list[Block] = [
        Text(center.name, s(30), bold=True),
        Space(s(10, 0)),
        Rule(),
        Text(ticket.number, s(170), bold=True, mag=6 if paper.mm == 80 else 4),
    ]
    if ticket.priority:
        blocks += [Text(PRIORITY_MARK, s(32), bold=True, invert=True, mag=2), Space(s(12, 0))]
    if ticket.appointment:  # 预约号 (issue 14): called before walk-ins
        blocks += [Text("预约号", s(32), bold=True, invert=True, mag=2), Space(s(12, 0))]
    if ticket.window is not None:  # a duty day: the duty window serves every matter
        blocks.append(Text(f"请到 {ticket.window} 号窗口（值班窗口）办理", s(30), bold=True))
    blocks.append(Text(ticket.category_name or ticket.category, s(36), bold=True, mag=2))
    if ticket.matter_name:
        blocks.append(Text(ticket.matter_name, s(26)))
    if ticket.window is None and (windows := serving_windows(center, ticket.category)):
        blocks.append(Text(windows, s(32), bold=True))
    blocks += [
        Space(s(8, 0)),
        Text(f"前面还有 {ticket.ahead} 人", s(40), bold=True, mag=2),
        *([Text(f"预计等待约 {max(1, ticket.wait_minutes)} 分钟", s(30))] if ticket.wait_minutes is not None else []),
        Text(f"取号时间：{issue_time(ticket.issued_at, center.timezone)}", s(24)),
        Space(s(12, 0)),
        Qr(ticket.guide_url, round(paper.width * (0.5 if paper.mm == 80 else 0.62))),
        Text(QR_CAPTION, s(24)),
        Space(s(10, 0)),
        Rule(),
        Text(f"办公时间：{center.office.hours}", s(22), align="left"),
        Text(f"投诉监督电话：{center.hotline}", s(22), align="left"),
        Text("请留意大厅显示屏和语音叫号。", s(22), align="left"),
        Space(s(16, 0)),
    ]
    return blocks
