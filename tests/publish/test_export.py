"""export-guides, run for real (the CLI, Chromium printing), then the folder crawled."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import zxingcpp
from PIL import Image

from bench.devserver import ROOT, cli
from bianmin.center import load_center
from bianmin.samples import ITEM_TITLES, SAMPLE_NOTICE

BASE = "http://192.168.10.5:8000"
NUMERALS = "一二三四五六七八"


class Refs(HTMLParser):
    """Every href/src of a page, and its visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.text: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        self.refs += [v for k, v in attrs if k in ("href", "src") and v is not None]

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "guides"
    db = out.parent / "queue.db"
    cli(db, "add-device", "--kind", "kiosk", "--name", "取号机")  # a hall database, nothing rated yet
    done = subprocess.run(
        [sys.executable, "-m", "queue_server", "export-guides", "--out", str(out), "--base-url", BASE, "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    assert "24 个二维码" in done.stdout
    return out


def _parse(path: Path) -> Refs:
    refs = Refs()
    refs.feed(path.read_text(encoding="utf-8"))
    return refs


def test_links_resolve_inside_the_folder_and_nothing_is_external(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 25  # index + 24 guides; the print sources are gone
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text and "//" not in re.sub(r"<!doctype[^>]*>", "", text)
        assert "@import" not in text and "@font-face" not in text
        refs = _parse(page)
        assert refs.scripts == 0, page
        for ref in refs.refs:
            parts = urlsplit(ref)
            assert not parts.scheme and not parts.netloc, (page, ref)
            if not parts.path:
                continue  # a #fragment on the same page
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_relative_to(site.resolve()), (page, ref)
            assert target.is_file(), (page, ref)
    css = (site / "style.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css


def test_every_matter_has_its_page_with_eight_items_and_samples_said(site):
    center = load_center()
    index = " ".join(_parse(site / "index.html").text)
    assert len(center.matters) == 24
    assert "满意率 —（评价 0 次，默认好评 0 次），投诉答复率 —（截至 " in index  # read from --db
    for code, m in center.matters.items():
        assert m.name in index
        page = site / "guides" / f"{code}.html"
        words = "".join(_parse(page).text)
        for n, title in zip(NUMERALS, ITEM_TITLES, strict=True):
            assert f"{n}、{title}" in words, (code, title)
        for material in m.guide.materials:
            assert material in words
        assert m.guide.policy_basis in words
        # Every sample guide says so on the page, in visible text.
        assert SAMPLE_NOTICE in words, code
        assert (site / "cards" / f"{code}.pdf").stat().st_size > 1000
    assert "《中华人民共和国契税法》" in "".join(_parse(site / "guides" / "B2.html").text)
    assert "城乡居民基本医疗保险" in "".join(_parse(site / "guides" / "E1.html").text)


def test_each_qr_decodes_to_its_phone_guide(site):
    codes = sorted(p.stem for p in (site / "qr").glob("*.png"))
    assert codes == sorted(load_center().matters)
    for code in codes:
        found = zxingcpp.read_barcodes(Image.open(site / "qr" / f"{code}.png"))
        assert [r.text for r in found] == [f"{BASE}/g/{code}"]


def _pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _pdfinfo(path: Path) -> str:
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


def test_handbook_pdf_holds_every_matter_name(site):
    info = _pdfinfo(site / "handbook.pdf")
    assert "(A4)" in info
    text = re.sub(r"\s+", "", _pdftotext(site / "handbook.pdf"))
    for m in load_center().matters.values():
        assert re.sub(r"\s+", "", m.name) in text, m.name
    assert "目录" in text


def test_a_card_is_a6_two_sided_with_materials_and_sample_notice(site):
    card = site / "cards" / "C1.pdf"
    info = _pdfinfo(card)
    assert re.search(r"Pages:\s*2\b", info)
    w, h = map(float, re.search(r"Page size:\s*([\d.]+) x ([\d.]+)", info).groups())
    assert abs(w - 297.6) < 2 and abs(h - 419.5) < 2  # 105 x 148 mm
    text = re.sub(r"\s+", "", _pdftotext(card))
    for material in load_center().matters["C1"].guide.materials:
        assert material in text
    assert "示例" in text and "手机扫码" in text
    found = zxingcpp.read_barcodes(Image.open(site / "qr" / "C1.png"))
    assert found and found[0].text.endswith("/g/C1")
