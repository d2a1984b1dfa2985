"""The published guides as static HTML: pure functions from a :class:`Center` to files.

The site is for the township government's website or a USB stick: no JavaScript, no
external URL or font, relative links only, plain markup that prints. The same guide
markup serves the web pages, the A6 便民卡 and the A4 综合手册 (printed to PDF by
:mod:`.pdf`). Every text still a sample is marked where it stands and the page says so.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from bianmin.center import Center, Matter
from bianmin.samples import SAMPLE_NOTICE, center_samples, guide_samples, is_sample
from bianmin.text import office_hours

STYLE = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC",sans-serif;color:#111;
margin:0 auto;max-width:52em;padding:0 1em;line-height:1.7;font-size:17px}
header{border-bottom:3px solid #0b5394;margin-bottom:1em}
h1{font-size:1.5em;margin:.6em 0 .2em}
h2{font-size:1.15em;color:#0b5394;margin:1.2em 0 .3em}
a{color:#0b5394}
.sample{background:#fff3cd;border-bottom:2px dotted #8a6d00}
.notice{background:#fff3cd;border:2px solid #8a6d00;padding:.5em .8em;font-weight:bold}
.note{border-left:4px solid #0b5394;padding-left:.8em;color:#333}
table.info th{text-align:left;padding-right:1em;vertical-align:top;white-space:nowrap}
img.qr{width:160px;height:160px;image-rendering:pixelated}
nav{margin:1em 0}
@media print{nav,.noprint{display:none} a{color:#111;text-decoration:none} body{max-width:none}}
"""


@dataclass(frozen=True)
class Links:
    """Where a page finds the shared files, relative to itself (``""`` at the top, ``"../"`` below)."""

    up: str

    def guide(self, code: str) -> str:
        return f"{self.up}guides/{code}.html"

    def qr(self, code: str) -> str:
        return f"{self.up}qr/{code}.png"

    def card(self, code: str) -> str:
        return f"{self.up}cards/{code}.pdf"


def t(text: str) -> str:
    """``text`` escaped; a sample text is highlighted and labelled so no reader misses it."""
    e = html.escape(text)
    return f'<span class="sample" title="示例文字">{e}</span>' if is_sample(text) else e


def promised_text(days: int) -> str:
    return "当场办结" if days == 0 else f"{days} 个工作日"


def _frame(title: str, body: str, css: str, extra_css: str = "") -> str:
    return (
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width,initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f'<link rel="stylesheet" href="{css}">'
        + (f"<style>{extra_css}</style>" if extra_css else "")
        + f"</head><body>\n{body}\n</body></html>\n"
    )


def center_info_html(center: Center) -> str:
    """Address, office days, duty phone and the supervision channels, as a table."""
    o = center.office
    rows = (
        ("地址", center.address),
        ("集中办公时间", office_hours(o.days, f"{o.open:%H:%M}", f"{o.close:%H:%M}")),
        ("说明", o.note),
        ("值班电话", center.duty_phone),
        ("投诉监督电话", center.hotline),
        ("监督渠道", "投诉监督电话；中心大厅意见箱、意见簿；县政务服务中心。"),
    )
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{t(v)}</td></tr>" for k, v in rows)
    return f'<table class="info">{cells}</table>'


def sample_notice(show: bool) -> str:
    return f'<p class="notice">{html.escape(SAMPLE_NOTICE)}</p>' if show else ""


def guide_items(m: Matter, heading: str = "h2") -> str:
    """The eight public items (八公开) of ``m``, numbered as the plan lists them."""
    g = m.guide
    h = heading
    steps = "".join(f"<li>{t(s)}</li>" for s in g.procedure)
    materials = "".join(f"<li>{t(s)}</li>" for s in g.materials) or "<li>无需材料</li>"
    note = f'<p class="note">说明：{t(g.note)}</p>' if g.note else ""
    return (
        f'<{h} id="item-1">一、事项名称</{h}><p>{t(m.name)}</p>{note}'
        f'<{h} id="item-2">二、政策依据</{h}><p>{t(g.policy_basis)}</p>'
        f'<{h} id="item-3">三、收费标准</{h}><p>{t(g.fees)}</p>'
        f'<{h} id="item-4">四、办事程序</{h}><ol>{steps}</ol>'
        f'<{h} id="item-5">五、申报材料</{h}><ul>{materials}</ul>'
        f'<{h} id="item-6">六、承诺时限</{h}><p>{promised_text(g.promised_days)}'
        f"（法定时限 {g.statutory_days} 个工作日）</p>"
        f'<{h} id="item-7">七、代办途径</{h}><p>{t(g.agency)}</p>'
        f'<{h} id="item-8">八、投诉监督方式</{h}><p>{t(g.supervision)}</p>'
    )


def _has_samples(center: Center, m: Matter | None = None) -> bool:
    return bool(center_samples(center)) or (m is not None and bool(guide_samples(m)))


def index_page(center: Center, results: str = "") -> str:
    """``index.html``: the center's details, the month's supervision figures (``results``,
    when the export read them) and every matter by category."""
    link = Links("")
    cats = []
    for c in center.categories:
        items = "".join(
            f'<li><a href="{link.guide(m.code)}">{html.escape(m.name)}</a>'
            f' <span class="noprint">（<a href="{link.card(m.code)}">便民卡</a>）</span></li>'
            for m in c.matters
        )
        cats.append(f'<h2 id="cat-{c.code}">{c.code}. {html.escape(c.name)}</h2><ol>{items}</ol>')
    any_sample = bool(center_samples(center)) or any(guide_samples(m) for m in center.matters.values())
    body = (
        f"<header><h1>{html.escape(center.name)} 办事指南</h1></header>"
        f"{sample_notice(any_sample)}"
        f"{center_info_html(center)}"
        '<nav><a href="handbook.pdf">下载综合手册（PDF）</a></nav>'
        + (f'<h2>监督评价</h2><p id="month-results">{html.escape(results)}</p>' if results else "")
        + f"<h2>办理事项（共 {len(center.matters)} 项）</h2>"
        + "".join(cats)
    )
    return _frame(f"{center.name} 办事指南", body, "style.css")


def guide_page(center: Center, m: Matter) -> str:
    """``guides/{code}.html``: one matter's eight public items, its QR code and its card."""
    link = Links("../")
    cat = center.category(m.category)
    cat_name = cat.name if cat else m.category
    body = (
        f'<nav><a href="../index.html">返回全部事项</a> · {html.escape(cat_name)}</nav>'
        f"<header><h1>{html.escape(m.name)}</h1><p>{html.escape(center.name)}</p></header>"
        f"{sample_notice(_has_samples(center, m))}"
        f"{guide_items(m)}"
        f'<h2>手机扫码查看</h2><p><img class="qr" src="{link.qr(m.code)}" alt="{html.escape(m.name)}的二维码"></p>'
        f'<p class="noprint"><a href="{link.card(m.code)}">下载便民卡（PDF）</a></p>'
        f"<h2>服务中心</h2>{center_info_html(center)}"
    )
    return _frame(f"{m.name} - 办事指南", body, "../style.css")


CARD_CSS = """
@page{size:105mm 148mm;margin:7mm}
body{font-size:10.5pt;line-height:1.45;max-width:none;padding:0}
h1{font-size:13pt;margin:0 0 2mm} h2{font-size:10.5pt;margin:2mm 0 1mm}
ol,ul{margin:0;padding-left:1.3em} .side{break-after:page} .side:last-child{break-after:auto}
.notice{font-size:9pt;padding:1mm 2mm} img.qr{width:40mm;height:40mm} table.info{font-size:9.5pt}
"""


def card_page(center: Center, m: Matter) -> str:
    """The A6 便民卡, two sides: the materials and steps; then the QR code and the phones."""
    g = m.guide
    steps = "".join(f"<li>{t(s)}</li>" for s in g.procedure)
    materials = "".join(f"<li>{t(s)}</li>" for s in g.materials) or "<li>无需材料</li>"
    notice = sample_notice(_has_samples(center, m))
    front = (
        f'<div class="side"><h1>{html.escape(m.name)}</h1>{notice}'
        f"<h2>申报材料</h2><ul>{materials}</ul><h2>办事程序</h2><ol>{steps}</ol>"
        f"<h2>承诺时限</h2><p>{promised_text(g.promised_days)}；收费：{t(g.fees)}</p></div>"
    )
    back = (
        f'<div class="side"><h1>{html.escape(center.name)}</h1>'
        f'<p><img class="qr" src="../qr/{m.code}.png" alt="二维码"><br>手机扫码查看完整办事指南</p>'
        f"{center_info_html(center)}{notice}</div>"
    )
    return _frame(f"便民卡 {m.name}", front + back, "../style.css", CARD_CSS)


HANDBOOK_CSS = """
@page{size:A4;margin:18mm 16mm}
body{max-width:none;padding:0;font-size:11pt}
.matter{break-before:page} h2.m{font-size:15pt;color:#111;border-bottom:2px solid #0b5394}
h3{font-size:11.5pt;color:#0b5394;margin:3mm 0 1mm}
"""


def handbook_page(center: Center) -> str:
    """The A4 综合手册: the center, a table of contents, then every guide on its own page."""
    toc, guides = [], []
    for c in center.categories:
        entries = "".join(f'<li><a href="#m-{m.code}">{html.escape(m.name)}</a></li>' for m in c.matters)
        toc.append(f"<h3>{c.code}. {html.escape(c.name)}</h3><ol>{entries}</ol>")
        for m in c.matters:
            guides.append(
                f'<section class="matter" id="m-{m.code}"><h2 class="m">{m.code} {html.escape(m.name)}</h2>'
                f"{sample_notice(bool(guide_samples(m)))}{guide_items(m, 'h3')}</section>"
            )
    any_sample = bool(center_samples(center)) or any(guide_samples(m) for m in center.matters.values())
    body = (
        f"<h1>{html.escape(center.name)}<br>办事指南综合手册</h1>{sample_notice(any_sample)}"
        f"{center_info_html(center)}<h2>目录</h2>{''.join(toc)}{''.join(guides)}"
    )
    return _frame(f"{center.name} 办事指南综合手册", body, "style.css", HANDBOOK_CSS)


def site_pages(center: Center, results: str = "") -> dict[str, str]:
    """Every text file of the site, keyed by its path inside the output folder."""
    files = {"style.css": STYLE.lstrip(), "index.html": index_page(center, results)}
    for m in center.matters.values():
        files[f"guides/{m.code}.html"] = guide_page(center, m)
    return files


def print_sources(center: Center) -> dict[str, str]:
    """The HTML printed to PDF: ``{pdf path: html}``; each lives beside its PDF while printing."""
    files = {"handbook.pdf": handbook_page(center)}
    for m in center.matters.values():
        files[f"cards/{m.code}.pdf"] = card_page(center, m)
    return files
