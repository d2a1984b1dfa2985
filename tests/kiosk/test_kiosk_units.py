"""Kivy-free parts of the kiosk: line breaking, screen texts, settings, the on-screen QR."""

from __future__ import annotations

import argparse

import pytest
import zxingcpp
from PIL import Image

from bianmin.center import center_info, load_center
from bianmin.protocol import CenterInfo
from bianmin.text import NO_LINE_END, NO_LINE_START, break_lines
from kiosk import present
from kiosk.api_client import ApiError, parse_reply
from kiosk.qr import qr_rgba
from kiosk.settings import SettingsError, add_arguments, from_args

CENTER = load_center()


def width(text: str) -> int:
    """A monospace measure: one unit per character."""
    return len(text)


@pytest.mark.parametrize(
    "text, room",
    [
        ("每周一、三、五集中办理窗口业务，其他工作日可电话预约、委托办理或上门服务。", 16),
        ("请稍候，或请工作人员检查网络和服务器。", 18),
        ("落实“三查”服务对象，依法征收社会抚养费", 19),
        ("集中办公时间：周一至周三 08:30—17:30", 18),
        ("设备令牌无效，请联系管理员重新登记本设备（示例）。", 7),
    ],
)
def test_break_lines_follows_chinese_rules(text, room):
    lines = break_lines(text, room, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(width(line) <= room for line in lines)
    assert not any(line[0] in NO_LINE_START for line in lines)
    assert not any(line[-1] in NO_LINE_END for line in lines)
    assert len(lines) == 1 or len(lines[-1]) > 1  # no lone character on the last line


def test_break_lines_keeps_numbers_whole_and_paragraphs():
    lines = break_lines("无法连接网络打印机 127.0.0.1:37295，请检查打印机电源和网线。", 25, width)
    assert any(line.startswith("127.0.0.1:37295，") for line in lines), lines
    assert break_lines("集中办公时间：周一至周三 08:30—17:30", 18, width) == ["集中办公时间：周一至周三", "08:30—17:30"]
    assert break_lines("0731-2222 0001（示例）", 17, width) == ["0731-2222 0001", "（示例）"]
    assert break_lines("第一段\n第二段", 10, width) == ["第一段", "第二段"]
    assert break_lines("", 10, width) == [""]


def test_texts_for_people():
    assert present.day_text("2026-11-30") == "2026年11月30日 星期一"
    assert present.day_text("2026-12-06") == "2026年12月6日 星期日"
    assert present.ahead_text(0) == "前面没有人，请留意叫号"
    assert present.ahead_text(7) == "前面还有 7 人"
    assert present.waiting_text(3) == "等候 3 人"


def test_center_info_and_models():
    info = CenterInfo.from_dict(center_info(CENTER, open_now=True).to_dict())
    home = present.home_model(info, "2026-11-30", {"A": 4}, priority=False)
    assert home.tiles[0].waiting == "等候 4 人" and home.tiles[1].waiting == "等候人数 —"
    assert all(t.icon.endswith(f"{t.code}.png") for t in home.tiles)  # one icon per category
    assert present.icon_path("Q").endswith("default.png")
    menu = present.matters_model(info.category("A"), True, 2)
    assert menu.rows[-1] == present.MatterRow(None, "不确定，先取号") and menu.priority
    closed = present.closed(info, day="2026-12-01")
    assert closed.phone == CENTER.duty_phone and "每周一、三、五 08:30—17:30" in closed.body
    with pytest.raises(ApiError) as err:  # a reply of another shape is a protocol error
        parse_reply(CenterInfo, {"name": "x"})
    assert err.value.code == "bad_reply" and "无法识别" in err.value.message


def parse(*argv: str):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return from_args(parser.parse_args(list(argv)))


def test_settings_errors_are_clear(monkeypatch):
    for name in ("BIANMIN_SERVER", "BIANMIN_KIOSK_TOKEN", "BIANMIN_PRINTER", "BIANMIN_PAPER"):
        monkeypatch.delenv(name, raising=False)
    s = parse("--server", "http://127.0.0.1:8000/", "--token", "t", "--windowed")
    assert (s.server, s.printer, s.window_size) == ("http://127.0.0.1:8000", "preview:var/tickets", (540, 960))
    assert parse("--server", "http://h:1", "--token", "t", "--size", "1920x1080").window_size == (1920, 1080)
    with pytest.raises(SettingsError, match="缺少服务器地址"):
        parse("--token", "t")
    with pytest.raises(SettingsError, match="缺少取号机令牌"):
        parse("--server", "http://h:1")
    with pytest.raises(SettingsError, match="服务器地址“ftp://h”有误"):
        parse("--server", "ftp://h", "--token", "t")
    with pytest.raises(SettingsError, match="打印机设置“lpt1”有误"):
        parse("--server", "http://h:1", "--token", "t", "--printer", "lpt1")
    with pytest.raises(SettingsError, match="宽x高"):
        parse("--server", "http://h:1", "--token", "t", "--size", "1080*1920")
    with pytest.raises(SettingsError, match="超出范围"):
        parse("--server", "http://h:1", "--token", "t", "--size", "100x1920")
    assert s.paper == 80
    assert parse("--server", "http://h:1", "--token", "t", "--paper", "58").paper == 58
    with pytest.raises(SystemExit):  # argparse names the allowed widths
        parse("--server", "http://h:1", "--token", "t", "--paper", "76")


def test_on_screen_qr_reads_back():
    url = "http://192.168.1.10:8000/g/A1?t=tq7Kx2LmP0aB7cD9eF"
    side, pixels = qr_rgba(url)
    assert len(pixels) == side * side * 4
    image = Image.frombytes("RGBA", (side, side), pixels).convert("L").resize((side * 8, side * 8))
    assert [c.text for c in zxingcpp.read_barcodes(image)] == [url]


def test_the_ticket_and_its_screen_name_the_serving_windows():
    from bianmin.protocol import IssuedTicket
    from bianmin.text import serving_windows
    from kiosk.present import ticket_model
    from kiosk.printing.layout import PAPERS, Text, ticket_blocks

    center = center_info(CENTER, open_now=True)
    ticket = IssuedTicket("tok", "C001", "C", None, False, 2, "2026-11-30T09:00:00+08:00", "http://h/t/tok", "民政")
    assert serving_windows(center, "C") == "请到 1 号窗口办理"
    assert ticket_model(ticket, center).windows == "请到 1 号窗口办理"
    printed = [b.text for b in ticket_blocks(ticket, center, PAPERS[80]) if isinstance(b, Text)]
    assert "请到 1 号窗口办理" in printed and "前面还有 2 人" in printed
