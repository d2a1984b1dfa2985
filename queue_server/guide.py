"""``/g/{matter}``: the phone page a ticket's QR code opens — the guide's eight public items
(八公开), 申报材料 first (what a resident needs most), and, given ``?t=token``, that ticket's
live place in line.

The live section is kept current by ``queue_server/floor/static/ticket.js``: the public
``/ws`` tells it something moved (numbers called, windows paused), and it re-reads its own
``GET /api/tickets/{token}`` then, so the page updates within a second of a call without
polling. It vibrates and chimes when the ticket is :data:`NEAR` away and when it is called.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING
from urllib.parse import quote

from aiohttp import web

from bianmin.protocol import STATUS_NAMES, TicketState, TicketStatus

from . import wait_estimate
from .duty import duty_on
from .errors import AppError, NotFound
from .keys import SERVICE
from .supervision.public_pages import guide_extras, rating_section

if TYPE_CHECKING:
    from .service import QueueService

routes = web.RouteTableDef()

NEAR = 3  # people ahead when the page alerts "快到您了"

# The page frame both pages share: {title}, {center}, then {body}. No web font (a phone on the
# hall's Wi-Fi should not download megabytes): the system's own CJK fonts, named for each
# platform, then the generic family, which every phone maps to a CJK font for lang="zh-CN".
FRAME = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title} - 办事指南</title>
<style>
body{{font-family:"PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Source Han Sans SC","Noto Sans SC",
"HarmonyOS Sans SC","MiSans","Microsoft YaHei","WenQuanYi Micro Hei",system-ui,sans-serif;margin:0;
background:#f4f6f8;color:#111;font-size:18px;line-height:1.6;font-variant-numeric:tabular-nums}}
header{{background:#0b5394;color:#fff;padding:14px 16px}}
header h1{{font-size:22px;margin:0}} header p{{margin:4px 0 0;font-size:15px}}
section{{background:#fff;margin:12px;padding:12px 16px;border-radius:8px}}
h2{{font-size:18px;color:#0b5394;margin:0 0 6px}}
.live{{border:3px solid #0b5394}} .big{{font-size:34px;font-weight:bold}}
.live.near{{border-color:#b45309;background:#fff8e6}} .live.called{{border-color:#1e7b34;background:#eaf7ee}}
#state{{font-size:20px;font-weight:bold;margin:4px 0}}
.alert{{background:#1e7b34;color:#fff;font-size:20px;font-weight:bold;padding:8px 12px;border-radius:6px;margin:8px 0}}
.near .alert{{background:#b45309}}
.live button{{font:inherit;font-size:16px;padding:8px 14px;border:1px solid #0b5394;border-radius:6px;
background:#fff;color:#0b5394;margin:6px 0}} .live button.on{{background:#0b5394;color:#fff}}
.conn{{font-size:14px;color:#555;margin:2px 0}} #conn{{color:#1e7b34}} #conn.off{{color:#b42318}}
.sample{{background:#fff3cd;color:#664d03;padding:8px 16px;margin:12px;border-radius:8px}}
ol,ul{{margin:0;padding-left:1.4em}} li{{margin:6px 0}} a{{color:#0b5394}}
</style></head><body>
<header><h1>{title}</h1><p>{center}</p></header>
{body}
</body></html>"""

# The eight public items, 申报材料 first: what a resident in line most needs to have ready.
GUIDE = """{live}{sample}
<section id="materials"><h2>一、申报材料</h2><ul>{materials}</ul></section>
<section><h2>二、事项名称</h2><p>{title}</p>{note}</section>
<section><h2>三、政策依据</h2><p>{policy_basis}</p></section>
<section><h2>四、收费标准</h2><p>{fees}</p></section>
<section><h2>五、办事程序</h2><ol>{procedure}</ol></section>
<section><h2>六、承诺时限</h2><p>{promised}（法定时限 {statutory} 个工作日）</p></section>
<section><h2>七、代办途径</h2><p>{agency}</p></section>
<section><h2>八、投诉监督方式</h2><p>{supervision}</p></section>
{script}"""

CATEGORY = """{live}
<section><h2>本类可办理的事项（点击查看办事指南）</h2><ol>{matters}</ol></section>
{script}"""

# The ticket's live section; ticket.js keeps it current and adds the alerts.
LIVE = """<section class="live" id="live" data-token="{token}" data-number="{number}" data-status="{status}"
data-ahead="{ahead}" data-window="{window}" data-near="{near}"><h2>我的排队进度</h2>
<p>号码：<span class="big" id="num">{number}</span></p>
<p id="state" role="status" aria-live="polite">{state}</p>
<p class="alert" id="alert" role="alert" hidden></p>
<button type="button" id="sound">开启到号提醒（响铃和振动）</button>
<p class="conn" id="conn">正在连接…</p>
<p class="conn" id="hint">快到您时（前面还剩 {near} 人）和叫到您的号时，本页会振动并响铃提醒，请保持本页打开</p>
</section>"""

# What the resident reads for each ticket state, {window} and {ahead} filled in from
# TicketState. The one source of both the first render (describe) and every refresh: the
# page script gets this table as JSON and only fills in the blanks.
LIVE_TEXT: dict[TicketStatus, str] = {
    "waiting": "等候中，前面还有 {ahead} 人{wait}",
    # Moved to another window's line (it is called there first), so still waiting.
    "transferred": "等候中（已转窗口），前面还有 {ahead} 人",
    "called": "已叫号，请到 {window} 号窗口",
    "serving": "办理中，请到 {window} 号窗口",
    "done": "已办结",
    "no_show": "已过号",
    "expired": "已过期",
}

# The live section's script: the public /ws, then the ticket's own state (see the docstring).
SCRIPT = '<script type="module" src="/floor/static/ticket.js"></script>'


def describe(state: TicketState) -> str:
    """The live-state sentence shown to the resident; the page script words refreshes alike."""
    text = LIVE_TEXT.get(state.status, STATUS_NAMES.get(state.status, state.status))
    wait = "" if state.wait_minutes is None else f"，预计等待约 {state.wait_minutes} 分钟"
    return text.replace("{window}", str(state.window)).replace("{ahead}", str(state.ahead)).replace("{wait}", wait)


def _script() -> str:
    # "<" escaped so that no text can close the <script> element early.
    texts = json.dumps(LIVE_TEXT, ensure_ascii=False).replace("<", "\\u003c")
    return f'<script type="application/json" id="live-text">{texts}</script>\n{SCRIPT}'


async def _live(app: web.Application, token: str | None) -> tuple[str, str]:
    """The live-place section and its refresh script for ``?t=token`` (empty without one)."""
    if not token:
        return "", ""
    e = html.escape
    try:
        state = await wait_estimate.ticket_state(app, token)
    except AppError as err:
        return f'<section class="live"><h2>我的排队进度</h2><p>{e(err.message)}</p></section>', ""
    live = LIVE.format(
        token=e(token),
        number=e(state.number),
        status=e(state.status),
        ahead=state.ahead,
        window=state.window or "",
        near=NEAR,
        state=e(describe(state)),
    )
    return live, _script()


@routes.get("/g/{matter}")
async def guide_page(request: web.Request) -> web.Response:
    """One matter's guide; a category letter (a ticket taken "不确定，先取号") lists its matters."""
    svc = request.app[SERVICE]
    code = request.match_info["matter"]
    token = request.query.get("t")
    e = html.escape
    category = svc.center.category(code) if len(code) == 1 else None
    if category is not None:
        live, script = await _live(request.app, token)
        live += rating_section(token)
        suffix = f"?t={quote(token)}" if token else ""
        matters = "".join(f'<li><a href="/g/{e(m.code)}{e(suffix)}">{e(m.name)}</a></li>' for m in category.matters)
        body = CATEGORY.format(live=live, matters=matters, script=script)
        body += await guide_extras(request.app, None)
        return _page(category.name, svc.center.name, body + await _duty(svc))
    matter = svc.center.matters.get(code)
    if matter is None:
        raise NotFound("没有这个办事事项，请核对二维码或咨询工作人员", code="unknown_matter")
    g = matter.guide
    live, script = await _live(request.app, token)
    live += rating_section(token)
    promised = "当场办结" if g.promised_days == 0 else f"{g.promised_days} 个工作日"
    body = GUIDE.format(
        title=e(matter.name),
        note=f'<p style="color:#555">说明：{e(g.note)}</p>' if g.note else "",
        live=live,
        sample='<p class="sample">本指南部分内容为示例，以窗口工作人员告知为准。</p>' if g.sample else "",
        policy_basis=e(g.policy_basis),
        fees=e(g.fees),
        procedure="".join(f"<li>{e(s)}</li>" for s in g.procedure),
        materials="".join(f"<li>{e(s)}</li>" for s in g.materials) or "<li>无需材料</li>",
        promised=promised,
        statutory=g.statutory_days,
        agency=e(g.agency),
        supervision=e(g.supervision),
        script=script,
    )
    body += await guide_extras(request.app, matter.code)
    return _page(matter.name, svc.center.name, body + await _duty(svc))


def _mode(svc: QueueService) -> str:
    """The mode of the day (集中办公 / 值班 / closed with the next opening) and the booking link."""
    mode = svc.mode(svc.clock())
    if mode.now == "office":
        text = "今天是集中办公日，各窗口正常办理。"
    elif mode.now == "duty":
        text = f"今天是值班日：所有业务请到 {'、'.join(str(n) for n in mode.duty_windows)} 号窗口办理。"
    else:
        local = mode.next_open.astimezone(svc.center.tz) if mode.next_open else None
        text = "现在不是办公时间。" + (f"下次开放：{local.month}月{local.day}日 {local:%H:%M}。" if local else "")
    return f'<p class="duty" id="mode">{text}<a href="/book">在线预约办理时段</a></p>'


async def _duty(svc: QueueService) -> str:
    """The mode of the day, then today's duty staff and leader on duty, with phones."""
    duty = await duty_on(svc.store, svc.clock().astimezone(svc.center.tz).date())
    if duty is None:
        return _mode(svc)
    e = html.escape
    people = "、".join(f"{e(p.name)} {e(p.phone)}" for p in duty.staff)
    leader = f"<br>带班领导：{e(duty.leader.name)} {e(duty.leader.phone)}" if duty.leader else ""
    return _mode(svc) + f'<p class="duty">今日值班：{people or "—"}{leader}</p>'


def _page(title: str, center: str, body: str) -> web.Response:
    text = FRAME.format(title=html.escape(title), center=html.escape(center), body=body)
    return web.Response(text=text, content_type="text/html")
