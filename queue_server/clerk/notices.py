"""Printable notices, laid out for A4: 不予受理告知书 (rejection) and 一次性告知单 (materials).

Both pages are server-rendered from ``templates/`` and need a clerk session.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from string import Template

from aiohttp import web

from bianmin.text import cn_date

from .. import queue_db
from ..api import current_clerk
from ..errors import NotFound
from ..keys import SERVICE
from ..web import path_int

routes = web.RouteTableDef()
TEMPLATES = Path(__file__).resolve().parent / "templates"


def _page(name: str, **values: str) -> web.Response:
    text = Template((TEMPLATES / name).read_text(encoding="utf-8")).substitute(values)
    return web.Response(text=text, content_type="text/html", headers={"Cache-Control": "no-store"})


def matter_phrase(name: str) -> str:
    """“name” with 事项 after it, unless the name already ends in 事项 (no “…事项”事项)."""
    return f"“{name}”" + ("" if name.endswith("事项") else "事项")


def _local_day(iso_moment: str | None, fallback: dt.date) -> dt.date:
    # Stored moments are already in the center's local time, with their offset.
    return dt.datetime.fromisoformat(iso_moment).date() if iso_moment else fallback


@routes.get(r"/clerk/notice/rejection/{ticket_id}")
async def rejection(request: web.Request) -> web.Response:
    svc = request.app[SERVICE]
    clerk = await current_clerk(request)
    ticket_id = path_int(request.match_info["ticket_id"])
    row = await queue_db.rejection(svc.store, ticket_id) if ticket_id is not None else None
    # Only a clerk of the window that decided (or a manager) may open the notice.
    if row is None or row["outcome"] != "rejected" or not clerk.may_use(row["window"] or 0):
        raise NotFound("没有找到这张号票的退办记录，请在办结时选择“退办告知”并填写理由", code="no_rejection")
    center, e = svc.center, html.escape
    matter = center.matters.get(row["matter"]) if row["matter"] else None
    category = center.category(row["category"])
    applied = dt.date.fromisoformat(row["day"])
    decided = _local_day(row["finished_at"], applied)
    return _page(
        "rejection.html",
        center=e(center.name),
        number=e(row["number"]),
        serial=e(f"{applied:%Y%m%d}-{row['number']}"),
        matter=e(matter_phrase(matter.name if matter else f"{category.name if category else row['category']}类事项")),
        window=str(row["window"] or ""),
        applied=cn_date(applied),
        date=cn_date(decided),
        reason=e(row["reason"] or ""),
        clerk=e(row["clerk_name"] or ""),
        hotline=e(center.hotline),
        address=e(center.address),
    )


@routes.get(r"/clerk/notice/materials/{matter}")
async def materials(request: web.Request) -> web.Response:
    svc = request.app[SERVICE]
    clerk = await current_clerk(request)
    center, e = svc.center, html.escape
    matter = center.matters.get(request.match_info["matter"])
    if matter is None:
        raise NotFound("没有这个办事事项", code="unknown_matter")
    g = matter.guide
    number = request.query.get("number", "").strip().upper()[:8]
    rows = "\n".join(
        f'<tr><td class="n">{i}</td><td>{e(item)}</td>'
        f'<td class="box"><input type="checkbox" aria-label="尚缺：{e(item)}"></td></tr>'
        for i, item in enumerate(g.materials, start=1)
    )
    promised = "当场办结" if g.promised_days == 0 else f"材料齐全后 {g.promised_days} 个工作日内办结"
    sample = '<p class="sample">本告知单部分内容为示例，以窗口工作人员告知为准。</p>' if g.sample else ""
    return _page(
        "materials.html",
        center=e(center.name),
        matter=e(matter.name),
        code=e(matter.code),
        number=e(number) or "________",
        rows=rows,
        count=str(len(g.materials)),
        procedure="".join(f"<li>{e(step)}</li>" for step in g.procedure),
        promised=promised,
        fees=e(g.fees),
        clerk=e(clerk.name),
        date=cn_date(svc.day),
        hotline=e(center.hotline),
        address=e(center.address),
        sample=sample,
    )
