"""Ticket content and text layout, independent of any printer."""

from __future__ import annotations

import dataclasses

import pytest

from bianmin.protocol import CenterInfo
from bianmin.text import break_lines, office_hours
from kiosk.printing import PAPERS, ticket_blocks
from kiosk.printing.layout import Qr, Text, issue_time
from kiosk.printing.raster import MARGIN, draw_blocks, font


def _texts(blocks) -> list[str]:
    return [b.text for b in blocks if isinstance(b, Text)]


def test_ticket_shows_every_field(ticket, center):
    blocks = ticket_blocks(ticket, center, PAPERS[80])
    texts = _texts(blocks)
    for expected in (
        center.name,
        "A012",
        "绿色通道 · 优先办理",
        "计划生育",
        "办理一孩生育证，代办再生育证",
        "前面还有 4 人",
        "取号时间：2025-03-03 09:05",
        "扫码查看办事指南和排队进度",
        "办公时间：每周一、三、五 08:30—17:30",
        "投诉监督电话：0731-2222 0000（示例）",
    ):
        assert expected in texts
    assert [b.data for b in blocks if isinstance(b, Qr)] == [ticket.guide_url]
    number = next(b for b in blocks if isinstance(b, Text) and b.text == "A012")
    assert number.size == max(b.size for b in blocks if isinstance(b, Text))


def test_no_green_channel_mark_without_priority(ticket, center):
    plain = dataclasses.replace(ticket, priority=False, matter=None, matter_name=None)
    texts = _texts(ticket_blocks(plain, center, PAPERS[58]))
    assert not any("绿色通道" in t for t in texts)
    assert "计划生育" in texts


def test_center_from_api_json(center, ticket):
    data = center.to_dict()
    data["office"] = {"days": [1, 2, 3, 4, 5], "open": "09:00", "close": "17:00", "note": "", "open_now": True}
    info = CenterInfo.from_dict(data)
    assert info.office.hours == "周一至周五 09:00—17:00"
    assert info.hotline == center.hotline
    assert f"办公时间：{info.office.hours}" in _texts(ticket_blocks(ticket, info, PAPERS[80]))


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ((1, 3, 5), "每周一、三、五"),
        ((1, 2, 3, 4, 5), "周一至周五"),
        ((6, 7), "每周六、日"),
    ],
)
def test_office_days(days, expected):
    assert office_hours(days, "08:30", "12:00") == f"{expected} 08:30—12:00"


def test_issue_time_in_center_time_zone():
    assert issue_time("2025-03-03T01:05:09+00:00", "Asia/Shanghai") == "2025-03-03 09:05"
    assert issue_time("2025-03-03T09:05:09") == "2025-03-03 09:05"
    assert issue_time("soon") == "soon"


@pytest.mark.parametrize("size", [20, 26, 40])
def test_wrap_fits_the_paper_and_keeps_punctuation_off_line_starts(size):
    face = font(size)
    text = "本中心实行首问负责制、限时办结制、一次性告知制、服务承诺制。网址 http://192.168.1.10:8000/g/A1?t=abc"
    width = PAPERS[58].width - 2 * MARGIN
    lines = break_lines(text, width, face.getlength)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(face.getlength(line) <= width for line in lines)
    assert not any(line[0] in "，。、：" for line in lines)


def test_ticket_image_is_paper_wide_and_black_and_white(ticket, center):
    for paper in PAPERS.values():
        image = draw_blocks(ticket_blocks(ticket, center, paper), paper)
        assert image.mode == "1" and image.width == paper.width
        # Margins stay blank: nothing printed into the edge the print head may miss.
        assert image.crop((0, 0, MARGIN - 2, image.height)).getextrema() == (255, 255)
