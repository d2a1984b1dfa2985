"""The fonts cover a township whose names need more than the common characters."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from bianmin.assets import FONT_BOLD, FONT_REGULAR
from bianmin.center import center_info, load_center
from bianmin.fontcover import NOTO_SOURCES, FontKeeper, font_cmap, missing_report, resolve_fonts, uncovered
from tests.floor.youxian import NAME, RARE, VILLAGES, youxian_config

needs_noto = pytest.mark.skipif(
    not all(p.is_file() for p in NOTO_SOURCES.values()), reason="needs Debian's fonts-noto-cjk"
)


def _gb2312(first: int, last: int) -> set[str]:
    out = set()
    for hi in range(first, last + 1):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                out.add(bytes((hi, lo)).decode("gb2312"))
    return out


@pytest.fixture
def youxian(tmp_path):
    return center_info(load_center(youxian_config(tmp_path / "center.toml")), open_now=True)


@pytest.mark.parametrize("path", [FONT_REGULAR, FONT_BOLD], ids=["regular", "bold"])
def test_bundled_font_has_all_of_gb2312(path):
    hanzi = _gb2312(0xB0, 0xF7)
    assert len(hanzi) == 6763
    cmap = font_cmap(path)
    assert not sorted(c for c in hanzi if ord(c) not in cmap)
    assert all(ord(c) in cmap for c in "攸醴鸾坳")


def test_the_sample_center_needs_nothing_more(tmp_path):
    choice = resolve_fonts(center_info(load_center(), open_now=True), tmp_path)
    assert (choice.regular, choice.extended, choice.missing) == (FONT_REGULAR, False, {})
    assert not (tmp_path / "fonts").exists()


def test_missing_characters_are_named_with_their_fields(youxian, tmp_path):
    missing = uncovered(youxian, font_cmap(FONT_REGULAR))
    assert set(missing) == {"塅"}
    assert missing["塅"] == ["windows[0].name", "categories[0].name", "categories[0].matters[0].name"]
    choice = resolve_fonts(youxian, tmp_path, noto_dir=tmp_path / "no-noto")
    assert choice.regular == FONT_REGULAR and choice.missing == missing
    report = missing_report(choice.missing, noto_installed=False)
    assert "“塅”（U+5845）见于 windows[0].name、categories[0].name" in report
    assert "fonts-noto-cjk" in report


@needs_noto
async def test_extended_subset_is_built_once_and_covers_the_center(youxian, tmp_path):
    keeper = FontKeeper(tmp_path)
    choice = await keeper.update(youxian)
    assert choice is not None and choice.extended and not choice.missing
    assert choice.regular.parent.parent == tmp_path / "fonts"
    for path in (choice.regular, choice.bold):
        cmap = font_cmap(path)
        assert all(ord(c) in cmap for c in NAME + "".join(VILLAGES) + RARE + "0123456789号窗口 \u3000")
        assert path.stat().st_size < 1_000_000
    built = choice.regular.stat().st_mtime_ns
    assert await keeper.update(youxian) is None  # same texts: nothing to do
    again = resolve_fonts(youxian, tmp_path)  # a restart: the cache is reused, not rebuilt
    assert again.regular == choice.regular and Path(again.regular).stat().st_mtime_ns == built
