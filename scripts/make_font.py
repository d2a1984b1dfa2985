"""Build the Simplified Chinese font subsets in bianmin/data/fonts (run by ``make font``).

Source: face 2 (SC) of Debian's fonts-noto-cjk NotoSansCJK-{Regular,Bold}.ttc.
Kept: ASCII, common CJK punctuation and fullwidth forms, GB2312 symbols and all its
hanzi (levels 1 and 2, rows 16–87: the county and township names of a province include
level-2 characters such as 攸 and 醴), and every character that our config and UI sources
hold. The 通用规范汉字表 (2013) is not added: no Debian or PyPI package we could verify
ships its list. A center whose names need more gets an extended subset at start-up
(:mod:`bianmin.fontcover`). The output is
deterministic: the same inputs give byte-identical files.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bianmin.assets import FONT_BOLD, FONT_REGULAR, ui_chars
from bianmin.fontcover import NOTO_SOURCES, font_cmap, subset_font

SOURCES = {FONT_REGULAR: NOTO_SOURCES["Regular"], FONT_BOLD: NOTO_SOURCES["Bold"]}
MAX_BYTES = 4_000_000


def gb2312_chars(first_row: int, last_row: int) -> set[str]:
    """Characters of GB2312 rows ``first_row``..``last_row`` (0xA1 = row 1)."""
    chars = set()
    for hi in range(first_row, last_row + 1):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes((hi, lo)).decode("gb2312"))
    return chars


def wanted_chars(root: Path | None = None) -> set[str]:
    """The full character set of the subset."""
    chars = {chr(c) for c in range(0x20, 0x7F)}
    chars |= gb2312_chars(0xA1, 0xA9)  # symbols, fullwidth forms, punctuation
    chars |= gb2312_chars(0xB0, 0xF7)  # level-1 and level-2 hanzi, rows 16–87
    chars |= {chr(c) for c in range(0x3000, 0x3020)}  # CJK symbols and punctuation
    chars |= {chr(c) for c in range(0xFF01, 0xFF5F)}  # fullwidth ASCII forms
    chars |= set("·—–‘’“”…‰※←↑→↓√×÷°℃№")
    chars |= ui_chars(root) if root else ui_chars()
    return chars


def build(source: Path, target: Path, chars: set[str]) -> set[str]:
    """Subset ``source`` to ``chars`` into ``target``; returns the chars the source lacks."""
    have = font_cmap(source)
    subset_font(source, target, chars, target.stem.rsplit("-", 1)[-1])
    return {c for c in chars if ord(c) not in have}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["regular", "bold"], help="build one weight only")
    args = parser.parse_args(argv)
    chars = wanted_chars()
    print(f"{len(chars)} characters")
    jobs = {t: s for t, s in SOURCES.items() if not args.only or t.stem.lower().endswith(args.only)}
    for source in jobs.values():
        if not source.is_file():
            print(f"缺少字体 {source}：请安装 Debian 软件包 fonts-noto-cjk", file=sys.stderr)
            return 1
    started = time.monotonic()
    # One process per weight: the two builds are independent and CPU-bound.
    with ProcessPoolExecutor(max_workers=len(jobs)) as pool:
        results = {t: pool.submit(build, s, t, chars) for t, s in jobs.items()}
        status, missing = 0, set()
        for target, future in results.items():
            missing |= future.result()
            size = target.stat().st_size
            print(f"{target.name}: {size / 1e6:.2f} MB")
            if size > MAX_BYTES:
                print(f"  字体文件超过 {MAX_BYTES / 1e6:.1f} MB", file=sys.stderr)
                status = 1
    print(f"done in {time.monotonic() - started:.1f} s")
    if missing:
        # The texts must change: no rebuild can add a glyph the source font does not have.
        print(
            f"Noto Sans CJK 没有这些字符，请在界面文字中换用其他字符："
            f"{' '.join(f'{c}(U+{ord(c):04X})' for c in sorted(missing))}",
            file=sys.stderr,
        )
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
