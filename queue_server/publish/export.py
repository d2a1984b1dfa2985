"""``export-guides``: write the whole published set into one folder.

The pages and stylesheet (:mod:`.pages`), one QR PNG per matter encoding its phone guide
``{base_url}/g/{code}``, the A6 便民卡 PDFs and the A4 综合手册 PDF, printed by Debian's
Chromium through Playwright (``page.pdf`` honours the CSS ``@page`` size, which
``chromium --print-to-pdf`` does not). Needs the ``publish`` extra (qrcode, pillow,
playwright) and the ``chromium`` package; no browser is downloaded.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from bianmin.center import Center

from .pages import print_sources, site_pages

CHROMIUM = os.environ.get("BIANMIN_CHROMIUM", "/usr/bin/chromium")
QR_SCALE, QR_BORDER = 8, 4  # pixels per module; modules of quiet zone
PRINT_TIMEOUT_S = 60.0  # one PDF; a hung browser fails the export instead of hanging it


class ExportError(RuntimeError):
    """The export could not finish; the message (Chinese) says why."""


@dataclass(frozen=True)
class ExportResult:
    out: Path
    pages: int
    qr_codes: int
    pdfs: int


def guide_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/g/{code}"


def write_qr(data: str, path: Path) -> None:
    """A black-on-white PNG of ``data``'s QR code (the modules of :func:`bianmin.qr.qr_matrix`)."""
    from PIL import Image  # the publish extra; imported here so that `serve` never needs it

    from bianmin.qr import qr_matrix

    matrix = qr_matrix(data)
    side = len(matrix) + 2 * QR_BORDER
    img = Image.new("1", (side, side), 1)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                img.putpixel((x + QR_BORDER, y + QR_BORDER), 0)
    img.resize((side * QR_SCALE, side * QR_SCALE), Image.Resampling.NEAREST).save(path, optimize=True)


def write_site(center: Center, out: Path, base_url: str, results: str = "") -> tuple[int, int]:
    """The pages and QR images (blocking file work); ``(pages, qr codes)`` written."""
    out.mkdir(parents=True, exist_ok=True)
    pages = site_pages(center, results)
    for rel, text in pages.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (out / "qr").mkdir(exist_ok=True)
    for code in center.matters:
        write_qr(guide_url(base_url, code), out / "qr" / f"{code}.png")
    return len(pages), len(center.matters)


async def print_pdfs(center: Center, out: Path) -> int:
    """Print the cards and the handbook with Chromium; the HTML sources are removed after."""
    try:
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright
    except ImportError:
        raise ExportError("打印 PDF 需要 playwright（pip install 'bianmin[publish]'）") from None
    if not Path(CHROMIUM).exists():
        raise ExportError(f"打印 PDF 需要 Chromium（apt install chromium），未找到 {CHROMIUM}")
    sources = print_sources(center)
    written = []
    for rel, text in sources.items():
        src = (out / rel).with_suffix(".print.html")
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(text, encoding="utf-8")
        written.append((src, out / rel))
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                page = await browser.new_page()
                for src, pdf in written:
                    await page.goto(src.as_uri(), wait_until="load", timeout=PRINT_TIMEOUT_S * 1000)
                    await asyncio.wait_for(
                        page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True),
                        PRINT_TIMEOUT_S,
                    )
            finally:
                await browser.close()
    except (PlaywrightError, TimeoutError) as exc:
        raise ExportError(f"Chromium 打印 PDF 失败：{exc}") from None
    finally:
        for src, _ in written:
            src.unlink(missing_ok=True)
    return len(written)


async def export_guides(
    center: Center, out: Path, base_url: str, *, pdfs: bool = True, results: str = ""
) -> ExportResult:
    """Write everything into ``out`` (created if missing; files of an earlier export are replaced).

    ``results``: the month's supervision figures for the index page (issue 12's published
    results), or nothing when the export has no database to read them from."""
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} 已存在且不是文件夹")
    for sub in ("guides", "qr", "cards"):
        if (out / sub).is_dir():
            await asyncio.to_thread(shutil.rmtree, out / sub)
    pages, codes = await asyncio.to_thread(write_site, center, out, base_url, results)
    printed = await print_pdfs(center, out) if pdfs else 0
    return ExportResult(out, pages, codes, printed)
