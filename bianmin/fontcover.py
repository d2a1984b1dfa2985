"""Does our font draw every character of this center's settings? If not, make one that does.

The bundled subset covers GB2312 and our own texts, but a township's or a village's name
may hold a rarer character (U+5845 of a village in 攸县). Kivy has no font fallback and would draw a box,
so at start-up the server, the kiosk and the display each ask :func:`resolve_fonts`:

- every character is covered: the bundled fonts;
- some are not and Debian's fonts-noto-cjk is installed: an extended subset (our texts,
  the center's texts, ASCII and punctuation) built once and cached under
  ``var/fonts/<hash of the character set>/``;
- otherwise the bundled fonts, and :func:`missing_report` names each missing character,
  where in the settings it occurs, and what to install.

Kivy-free (fontTools only): the server's settings check imports it too.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from fontTools.ttLib import TTFont

from bianmin.assets import FONT_BOLD, FONT_REGULAR, ui_chars
from bianmin.protocol import CenterInfo

log = logging.getLogger("bianmin.fontcover")
logging.getLogger("fontTools").setLevel(logging.WARNING)  # its subsetter logs every table at INFO

NOTO_DIR = Path("/usr/share/fonts/opentype/noto")
NOTO_SOURCES = {"Regular": NOTO_DIR / "NotoSansCJK-Regular.ttc", "Bold": NOTO_DIR / "NotoSansCJK-Bold.ttc"}
SC_FACE = 2  # face 0 of the .ttc is JP: Japanese glyph shapes for the same code points
FAMILY = "Noto Sans SC Bianmin"
INSTALL_HINT = (
    "请安装 Debian 软件包 fonts-noto-cjk（sudo apt-get install fonts-noto-cjk）后重新启动，系统会自动生成补充字体"
)
# Never drawn as glyphs: line breaks, tabs, the replacement mark of undecodable bytes.
# Spaces are drawn: a subset without the space glyph prints a box between words.
_NOT_DRAWN = {"\n", "\r", "\t", "\ufffd"}


@dataclass(frozen=True)
class FontChoice:
    """The faces to draw with, and the characters even they lack (char → where it occurs)."""

    regular: Path
    bold: Path
    extended: bool = False
    missing: dict[str, list[str]] = field(default_factory=dict)


def center_texts(center: CenterInfo) -> list[tuple[str, str]]:
    """Every text of the center that a screen or a ticket may show, with its settings field."""
    out = [
        ("center.name", center.name),
        ("center.address", center.address),
        ("center.hotline", center.hotline),
        ("center.duty_phone", center.duty_phone),
        ("office.note", center.office.note),
    ]
    out += [(f"notices[{i}].text", text) for i, text in enumerate(center.notices)]
    out += [(f"windows[{i}].name", w.name) for i, w in enumerate(center.windows)]
    for i, cat in enumerate(center.categories):
        out.append((f"categories[{i}].name", cat.name))
        out += [(f"categories[{i}].matters[{j}].name", m.name) for j, m in enumerate(cat.matters)]
    return out


@functools.lru_cache(maxsize=8)
def font_cmap(path: Path) -> frozenset[int]:
    """The code points ``path`` (an .otf, or face 2 of a Noto .ttc) has glyphs for."""
    number = SC_FACE if path.suffix == ".ttc" else -1
    with TTFont(path, fontNumber=number, lazy=True) as font:
        return frozenset(font.getBestCmap())


def uncovered(center: CenterInfo, cmap: frozenset[int]) -> dict[str, list[str]]:
    """Characters of the center's texts that ``cmap`` lacks → the fields where they occur."""
    out: dict[str, list[str]] = {}
    for where, text in center_texts(center):
        for char in dict.fromkeys(text):
            if char not in _NOT_DRAWN and ord(char) not in cmap:
                out.setdefault(char, []).append(where)
    return out


def missing_report(missing: dict[str, list[str]], noto_installed: bool, advice: str = "") -> str:
    """One Chinese message naming each missing character, where it is, and what to do."""
    lines = [f"字体缺少 {len(missing)} 个字符，这些字会显示或打印成方框："]
    lines += [f"  “{c}”（U+{ord(c):04X}）见于 {'、'.join(where)}" for c, where in sorted(missing.items())]
    lines.append(
        advice or ("Noto Sans CJK 也没有这些字，请在中心配置文件中换用其他写法" if noto_installed else INSTALL_HINT)
    )
    return "\n".join(lines)


def drawn_chars(center: CenterInfo) -> set[str]:
    """What an extended subset must hold: ASCII, punctuation, our texts and the center's."""
    chars = {chr(c) for c in range(0x20, 0x7F)}
    chars |= {chr(c) for c in range(0x3000, 0x3020)} | {chr(c) for c in range(0xFF01, 0xFF5F)}
    chars |= set("·—–‘’“”…‰※←↑→↓√×÷°℃№")
    chars |= ui_chars()
    for _where, text in center_texts(center):
        chars |= set(text)
    return chars - _NOT_DRAWN


def rename(font: TTFont, style: str, family: str = FAMILY) -> None:
    """Give a subset its own family name, so it never shadows an installed Noto."""
    ps_name = f"{family.replace(' ', '')}-{style}".replace("NotoSansSCBianmin", "NotoSansSC-Bianmin")
    names = {1: family, 2: style, 3: f"{ps_name};bianmin-subset", 4: f"{family} {style}", 6: ps_name}
    names |= {16: family, 17: style}
    table = font["name"]
    for record in list(table.names):
        if record.nameID in names:
            table.removeNames(nameID=record.nameID)
    for name_id, value in names.items():
        table.setName(value, name_id, 3, 1, 0x409)
        table.setName(value, name_id, 1, 0, 0)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [ps_name]
        cff.topDictIndex[0].FamilyName = family
        cff.topDictIndex[0].FullName = f"{family} {style}"


def subset_font(source: Path, target: Path, chars: set[str], style: str) -> None:
    """Subset face 2 (SC) of the Noto .ttc ``source`` to ``chars``, written atomically."""
    from fontTools import subset  # here, not at the top: the server starts (and stays) smaller without it

    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    with TTFont(source, fontNumber=SC_FACE, recalcTimestamp=False, lazy=True) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(ord(c) for c in chars))
        subsetter.subset(font)
        rename(font, style)
        font.save(tmp)
    tmp.replace(target)


def resolve_fonts(center: CenterInfo, var_dir: Path, noto_dir: Path = NOTO_DIR) -> FontChoice:
    """The fonts that draw all of ``center``'s texts (blocking: call in a thread).

    Builds the extended subset on first need (a few seconds per weight) and reuses it
    after, keyed by the hash of its character set.
    """
    missing = uncovered(center, font_cmap(FONT_REGULAR))
    if not missing:
        return FontChoice(FONT_REGULAR, FONT_BOLD)
    sources = {style: noto_dir / path.name for style, path in NOTO_SOURCES.items()}
    if not all(p.is_file() for p in sources.values()):
        log.warning("%s", missing_report(missing, noto_installed=False))
        return FontChoice(FONT_REGULAR, FONT_BOLD, missing=missing)
    chars = drawn_chars(center)
    key = hashlib.sha256("".join(sorted(chars)).encode()).hexdigest()[:16]
    folder = var_dir / "fonts" / key
    targets = {style: folder / f"NotoSansSC-Bianmin-{style}.otf" for style in sources}
    for style, target in targets.items():
        if not target.is_file():
            log.info("building %s for %d characters", target, len(chars))
            subset_font(sources[style], target, chars, style)
    still = uncovered(center, font_cmap(targets["Regular"]))
    if still:
        log.warning("%s", missing_report(still, noto_installed=True))
    return FontChoice(targets["Regular"], targets["Bold"], extended=True, missing=still)


class FontKeeper:
    """Re-resolves the fonts when the center's texts change; the kiosk and display own one."""

    def __init__(self, var_dir: Path):
        self.var_dir = var_dir
        self.texts: list[tuple[str, str]] | None = None
        self.choice = FontChoice(FONT_REGULAR, FONT_BOLD)

    async def update(self, center: CenterInfo) -> FontChoice | None:
        """The new choice when ``center``'s texts changed since the last call, else None."""
        texts = center_texts(center)
        if texts == self.texts:
            return None
        self.texts = texts
        try:
            choice = await asyncio.to_thread(resolve_fonts, center, self.var_dir)
        except OSError as exc:  # a full disk or an unreadable Noto: keep drawing what we have
            log.warning("extended font not built: %s", exc)
            return None
        changed = choice.regular != self.choice.regular
        self.choice = choice
        return choice if changed else None
