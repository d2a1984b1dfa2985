"""What the 查看办事指南 screen shows (no Kivy): every matter by category, and the print status."""

from __future__ import annotations

from dataclasses import dataclass

from bianmin.protocol import CenterInfo

GUIDES_BUTTON = "查看办事指南"
GUIDES_TITLE = "查看办事指南"
GUIDES_SUBTITLE = "点选事项，打印它的办事指南（先列申报材料），不取号"
PRINTING = "正在打印办事指南，请稍候……"
PRINTED = "已打印，请取走办事指南。"
LOADING_GUIDE = "正在读取办事指南……"


@dataclass(frozen=True)
class GuideRow:
    code: str
    text: str


@dataclass(frozen=True)
class GuideSection:
    title: str
    rows: tuple[GuideRow, ...]


@dataclass(frozen=True)
class GuidesModel:
    title: str
    subtitle: str
    sections: tuple[GuideSection, ...]


@dataclass(frozen=True)
class GuideStatus:
    text: str
    failed: bool = False
    busy: bool = False


def guides_model(center: CenterInfo) -> GuidesModel:
    sections = tuple(
        GuideSection(c.name, tuple(GuideRow(m.code, m.name) for m in c.matters)) for c in center.categories
    )
    return GuidesModel(GUIDES_TITLE, GUIDES_SUBTITLE, sections)


def print_failed(message: str) -> GuideStatus:
    return GuideStatus(f"没有打印出来：{message}请联系工作人员。", failed=True)
