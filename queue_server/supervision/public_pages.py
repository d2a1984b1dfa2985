"""The residents' pages of supervision: the complaint box form (``/box``), a 查询码's reply
(``/box/{code}``), and the parts the ticket's guide page adds (:func:`guide_extras`): the
rating once the service is finished, the box links and the month's published results."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from bianmin.center import Center
from bianmin.text import percent

from ..errors import AppError
from ..keys import SERVICE
from ..store import Store
from ..web import serve_static
from .common import center
from .complaints import KINDS, lookup
from .results import month_results

routes = web.RouteTableDef()
STATIC = Path(__file__).resolve().parent / "static"

FRAME = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title} - {center}</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/supervision/static/public.css">
</head><body>
<header><h1>{title}</h1><p>{center}</p></header>
{body}
</body></html>"""

BOX_FORM = """<section>
<form id="box-form">
<fieldset class="kinds"><legend>类型</legend>{kinds}</fieldset>
<label>内容（最多 500 字）<textarea name="text" maxlength="500" required rows="6"></textarea></label>
<label>涉及事项（可不选）<select name="matter"><option value="">不选</option>{matters}</select></label>
<label>涉及窗口（可不选）<select name="window"><option value="">不选</option>{windows}</select></label>
<label>联系电话（可不填；需要电话答复时请填写，不会公开）<input name="phone" type="tel" maxlength="20"></label>
<p id="box-msg" class="err" role="alert"></p>
<button type="submit">提交</button>
</form>
<div id="box-done" hidden><h2>已收到，谢谢您！</h2>
<p>查询码：<b id="box-code" class="code"></b></p>
<p>请记下查询码，答复将显示在：<a id="box-link"></a></p></div>
</section>
<section><p>也可拨打监督电话 {hotline}。</p></section>
<script src="/supervision/static/box.js"></script>"""


@routes.get("/supervision/static/{name}")
async def static_file(request: web.Request) -> web.Response:
    return serve_static(STATIC, request.match_info["name"])


def page(title: str, center_name: str, body: str) -> web.Response:
    text = FRAME.format(title=html.escape(title), center=html.escape(center_name), body=body)
    return web.Response(text=text, content_type="text/html")


@routes.get("/box")
async def box_form(request: web.Request) -> web.Response:
    c, e = center(request), html.escape
    kind = request.query.get("kind", "complaint")
    matter = request.query.get("matter", "")
    window = request.query.get("window", "")
    kinds = "".join(
        f'<label><input type="radio" name="kind" value="{k}"{" checked" if k == kind else ""}>我要{name}</label>'
        for k, name in KINDS.items()
    )
    matters = "".join(
        f'<option value="{e(m.code)}"{" selected" if m.code == matter else ""}>{e(m.name)}</option>'
        for m in c.matters.values()
    )
    windows = "".join(
        f'<option value="{w.number}"{" selected" if str(w.number) == window else ""}>{w.number} 号 {e(w.name)}</option>'
        for w in c.windows
    )
    body = BOX_FORM.format(kinds=kinds, matters=matters, windows=windows, hotline=e(c.hotline))
    return page("意见箱（投诉·建议·表扬）", c.name, body)


@routes.get("/box/{code}")
async def box_status(request: web.Request) -> web.Response:
    c, e = center(request), html.escape
    code = request.match_info["code"]
    try:
        state = await lookup(request, code)
    except AppError as err:
        return page("查询答复", c.name, f'<section><p class="err">{e(err.message)}</p></section>')
    reply = ""
    if state.get("reply"):
        reply = (
            f'<h2>答复</h2><p id="reply">{e(state["reply"])}</p><p class="muted">答复时间：{e(state["replied_at"])}</p>'
        )
    body = (
        f'<section><p>查询码：<b class="code">{e(code.upper())}</b></p>'
        f'<p>状态：<b id="status">{e(state["status_name"])}</b></p>{reply}</section>'
    )
    return page("查询答复", c.name, body)


RATING = """<section id="rating" class="rating" data-token="{token}" hidden>
<h2>服务评价</h2><p class="rating-msg"></p>
<div class="rating-form" hidden><div class="levels"></div>
<div class="bad" hidden><p>不满意的原因（可多选）：</p><div class="reasons"></div>
<textarea maxlength="300" rows="3" placeholder="还想说的话（可不填）"></textarea>
<input type="tel" maxlength="20" placeholder="您的电话（可不填，用于回访）">
<button type="button">提交评价</button></div></div>
</section>
<script type="module" src="/supervision/static/rate.js"></script>"""
STYLE = (
    "<style>.rating .levels{display:flex;gap:4px}.rating .levels button{flex:1;border:2px solid #ccc;"
    "border-radius:8px;background:#fff;padding:4px 0;font-size:13px;font-weight:bold;display:flex;"
    "flex-direction:column;align-items:center}.rating .levels button.on{border-color:currentColor}"
    ".rating svg{width:48px;height:48px}.rating .bad textarea,.rating .bad input[type=tel]{width:100%;font-size:16px;"
    "margin:4px 0;box-sizing:border-box}.rating .reasons label{display:inline-flex;align-items:center;gap:4px;"
    "margin:6px 14px 6px 0}.rating .reasons input{width:22px;height:22px;margin:0}"
    ".rating .bad button{font-size:18px;padding:6px 20px}.rating-msg.err{color:#b42318;font-weight:bold}"
    ".rating-msg.done{color:#1e7b34;font-weight:bold}</style>"
)


def rating_section(token: str | None) -> str:
    """The ticket page's rating, under its live place in line (its script shows it once done)."""
    return RATING.format(token=html.escape(token)) + STYLE if token else ""


async def published_results(store: Store, c: Center, today: dt.date) -> str:
    """The month's published figures in one line, for the guide pages and the exported site."""
    res = await month_results(store, today, rating_days=c.supervision.rating_days)
    return (
        f"{res.month} 满意率 {percent(res.satisfaction_rate)}（评价 {res.rated} 次，默认好评 {res.defaulted} 次），"
        f"投诉答复率 {percent(res.complaint_reply_rate)}"
    )


async def guide_extras(app: web.Application, matter: str | None) -> str:
    """The guide page's foot: the box links and the month's published results."""
    e = html.escape
    svc = app[SERVICE]
    q = f"&matter={quote(matter)}" if matter else ""
    links = " ".join(f'<a href="/box?kind={k}{e(q)}">我要{name}</a>' for k, name in KINDS.items())
    c = svc.center
    figures = await published_results(svc.store, c, svc.clock().astimezone(c.tz).date())
    figures = f'<p class="results" id="month-results">{e(figures)}</p>'
    return f'<section class="box-links"><h2>监督评价</h2>{figures}<p>{links}</p></section>'
