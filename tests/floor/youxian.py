"""A center whose names hold characters outside GB2312's common set: 攸县鸾山镇, 坳上村, 塅里村.

攸, 鸾 and 坳 are GB2312 level 2 (in the bundled subset since issue 16); 塅 is in no GB2312
level, so this center needs the extended subset that :mod:`bianmin.fontcover` builds.
"""

from __future__ import annotations

from pathlib import Path

from bianmin.center import SAMPLE_CENTER

NAME = "攸县鸾山镇便民服务中心"
VILLAGES = ("坳上村", "塅里村")
RARE = "攸鸾坳塅"
# Shown on the kiosk (home title, tile, matter row), the board (header, window table) and the ticket.
REPLACEMENTS = {
    'name = "株洲县示范镇便民服务中心"': f'name = "{NAME}"',
    'name = "计生 · 民政窗口"': 'name = "坳上村 · 塅里村窗口"',
    'name = "计划生育"': 'name = "坳上塅里计生"',
    'name = "办理一孩生育证，代办再生育证"': 'name = "坳上村、塅里村生育证"',
    'address = "示范镇人民政府一楼（示例）"': 'address = "攸县鸾山镇人民政府一楼"',
}


def youxian_config(dest: Path, extra: dict[str, str] | None = None) -> Path:
    """A copy of the sample center renamed to 攸县鸾山镇, with the villages 坳上村 and 塅里村."""
    text = SAMPLE_CENTER.read_text(encoding="utf-8")
    for old, new in {**REPLACEMENTS, **(extra or {})}.items():
        assert text.count(old) == 1, f"the sample center has one {old!r}"
        text = text.replace(old, new)
    dest.write_text(text, encoding="utf-8")
    return dest
