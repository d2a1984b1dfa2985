"""The shared Chinese text helpers and window sizes."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bianmin.screensize import MAX_SIDE, MIN_SIDE, parse_size
from bianmin.text import WEEKDAYS, break_lines, cn_date, date_text, office_hours, weekday_text


def test_dates_and_weekdays():
    assert cn_date(dt.date(2026, 11, 28)) == "2026年11月28日"
    assert date_text(dt.date(2026, 12, 1)) == "2026年12月1日 星期二"
    assert date_text(dt.date(2026, 11, 29)) == "2026年11月29日 星期日"
    assert [weekday_text(dt.date(2026, 11, 30) + dt.timedelta(days=i)) for i in range(7)] == [
        f"星期{d}" for d in WEEKDAYS
    ]


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ([1, 3, 5], "每周一、三、五"),
        ([5, 4, 3, 2, 1], "周一至周五"),
        ([6, 7], "每周六、日"),
        ([1, 2, 4], "每周一、二、四"),
    ],
)
def test_office_hours(days, expected):
    assert office_hours(days, "08:30", "17:30") == f"{expected} 08:30—17:30"


def test_a_run_wider_than_the_line_is_cut_everything_else_stays_whole():
    url = "http://192.168.1.10:8000/g/A1?t=tq7Kx2LmP0aB7cD9eF"
    lines = break_lines(f"网址 {url}", 20, len)
    assert "".join(lines).replace(" ", "") == f"网址{url}"
    assert all(len(line) <= 20 for line in lines)
    assert break_lines("电话 0731-2222 0001。", 14, len) == ["电话 0731-2222", "0001。"]


@given(st.text(alphabet="便民服务中心，。、：（）“”0123456789ABC:/. \n", max_size=80), st.integers(4, 30))
def test_break_lines_never_loses_text_or_overflows(text, width):
    lines = break_lines(text, width, len)
    assert "".join(lines).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
    assert all(len(line) <= width for line in lines)


@pytest.mark.parametrize(
    ("text", "size"),
    [("1080x1920", (1080, 1920)), ("1920X1080", (1920, 1080)), (" 240x7680 ", (240, 7680)), ("800x480", (800, 480))],
)
def test_parse_size_accepts(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("big", "格式应为 宽x高"),
        ("1080*1920", "格式应为 宽x高"),
        ("-5x100", "格式应为 宽x高"),
        ("1080x", "格式应为 宽x高"),
        (f"{MIN_SIDE - 1}x1080", "超出范围"),
        (f"1080x{MAX_SIDE + 1}", "超出范围"),
        ("100x100", "超出范围"),
    ],
)
def test_parse_size_rejects_with_a_clear_message(text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse_size(text)
