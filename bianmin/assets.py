"""Paths to shipped assets, and the texts our fonts must cover.

The assets are package data in ``bianmin/data/`` (the sample center, fonts with their
licence, kiosk icons, voice clips), found next to this file, so they are there both in a
checkout and in an installed wheel. Importable without Kivy by the server, the kiosk and
the hall display.
"""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

# The folder holding the bianmin, queue_server, kiosk and display packages: the
# checkout, or site-packages when installed from the wheel.
SOURCE_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"
SAMPLE_CENTER = DATA_DIR / "center.toml"
ICONS_DIR = DATA_DIR / "icons"  # kiosk category icons, one per category code
VOICE_DIR = DATA_DIR / "voice"  # recorded announcement clips and the chime
FONTS_DIR = DATA_DIR / "fonts"
# Simplified Chinese subsets of Noto Sans CJK (see scripts/make_font.py and OFL.txt).
FONT_REGULAR = FONTS_DIR / "NotoSansSC-Bianmin-Regular.otf"
FONT_BOLD = FONTS_DIR / "NotoSansSC-Bianmin-Bold.otf"
FONT_LICENSE = FONTS_DIR / "OFL.txt"

# Where user-facing text lives: the center config and every UI source file.
TEXT_SOURCE_DIRS = ("bianmin", "queue_server", "kiosk", "display", "county")
TEXT_SOURCE_SUFFIXES = (".py", ".kv", ".html", ".js")


def text_sources(root: Path = SOURCE_ROOT) -> list[Path]:
    """Every file whose text may be shown to a user, in a stable order."""
    files = [root / SAMPLE_CENTER.relative_to(SOURCE_ROOT)]
    for folder in TEXT_SOURCE_DIRS:
        base = root / folder
        if base.is_dir():
            files += sorted(
                p
                for p in base.rglob("*")
                if p.suffix in TEXT_SOURCE_SUFFIXES
                and p.is_file()
                and "__pycache__" not in p.parts
                and "vendor" not in p.parts  # third-party files (ECharts) bring their own text
            )
    return [f for f in files if f.is_file()]


def _python_strings(source: str) -> str:
    """The string literals of a Python file (comments never reach a screen or a ticket)."""
    parts = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            # FSTRING_MIDDLE exists from Python 3.12 on; before that an f-string is one STRING.
            if tok.type == tokenize.STRING or tokenize.tok_name[tok.type] == "FSTRING_MIDDLE":
                parts.append(tok.string)
    except (tokenize.TokenError, SyntaxError):
        return source  # half-written file: scan it whole rather than miss text
    return "\n".join(parts)


def ui_chars(root: Path = SOURCE_ROOT) -> set[str]:
    """The non-ASCII characters that the config and UI sources can show."""
    chars: set[str] = set()
    for path in text_sources(root):
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".py":
            text = _python_strings(text)
        chars.update(c for c in text if ord(c) > 0x7E)
    # Line breaks and the replacement mark of undecodable bytes are never drawn.
    chars.discard("\ufffd")
    return chars
