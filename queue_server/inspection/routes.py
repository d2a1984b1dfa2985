"""``GET /api/inspection`` (manager), the manager page ``/manage/inspection`` and its ticks."""

from __future__ import annotations

import html

from aiohttp import web

from ..api import require_role
from ..errors import BadRequest
from ..keys import SERVICE, SETTINGS, STORE
from ..web import field, json_response, read_json
from .checks import NOTE_MAX, save_check
from .facts import gather
from .score import Report, load_weights, score

routes = web.RouteTableDef()


async def _report(request: web.Request) -> Report:
    svc = request.app[SERVICE]
    facts = await gather(svc.center, request.app[STORE], request.app[SETTINGS].db, svc.clock())
    return score(facts, load_weights())


@routes.get("/api/inspection")
async def inspection(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    return json_response((await _report(request)).to_dict())


async def _tick(request: web.Request, item: str, done: bool, note: str) -> None:
    clerk = await require_role(request, "manager")
    manual = {it.id for it in load_weights().items if it.kind == "manual"}
    if item not in manual:
        raise BadRequest(f"“{item}”不是需要负责人确认的自查项", code="unknown_item")
    if len(note) > NOTE_MAX:
        raise BadRequest(f"说明不能超过 {NOTE_MAX} 字", code="note_too_long")
    if done and not note.strip():
        raise BadRequest("请写明依据（例如：大厅在一楼，面积 60 平方米）", code="evidence_required")
    svc = request.app[SERVICE]
    await save_check(request.app[STORE], item, done, note.strip(), clerk.name, svc.clock())


@routes.post("/api/inspection/checks")
async def tick_api(request: web.Request) -> web.Response:
    data = await read_json(request)
    item = field(data, "item", str, required=True, max_len=40)
    await _tick(
        request, item, field(data, "done", bool, default=True), field(data, "note", str, default="", max_len=NOTE_MAX)
    )
    return json_response((await _report(request)).to_dict())


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>自查评分 - 便民服务中心</title>
<style>
body{{font-family:"Noto Sans CJK SC","Noto Sans SC",sans-serif;margin:0 auto;max-width:70em;padding:1em;color:#111}}
h1{{font-size:1.5em}} .score{{font-size:3em;font-weight:bold;color:#0b5394}} .band{{font-size:1.3em;margin-left:.5em}}
table{{border-collapse:collapse;width:100%}}
th,td{{border:1px solid #ccc;padding:.4em .6em;text-align:left;vertical-align:top}}
th{{background:#eef3f8}} td.pts{{white-space:nowrap;text-align:right}} tr.lost td.pts{{color:#b00020;font-weight:bold}}
.why{{color:#444}} form{{display:flex;gap:.4em;margin-top:.3em}} input[type=text]{{flex:1}}
.note{{color:#555;font-size:.9em}}
</style></head><body>
<p><a href="/manage">← 返回管理后台</a></p>
<h1>{center} 自查评分</h1>
<p><span class="score">{score}</span> 分 <span class="band">{band}</span></p>
<p class="note">评分依据“四个有”“八个有”。县里的检查验收评分表未随方案附发，以下分值是本系统对方案的理解，
可在 queue_server/inspection/weights.toml 中调整。档次：90 分以上、80–89、70–79、70 分以下。</p>
<table><tr><th>自查项</th><th>得分</th><th>说明</th></tr>
{rows}
</table>
<script>
// A tick is a JSON write (cookie-authenticated writes must be JSON and same-origin).
for (const form of document.querySelectorAll("form.tick")) {{
  form.addEventListener("submit", async (ev) => {{
    ev.preventDefault();
    const body = {{item: form.item.value, done: form.done.checked, note: form.note.value}};
    const resp = await fetch("/api/inspection/checks", {{method: "POST", credentials: "same-origin",
      headers: {{"Content-Type": "application/json"}}, body: JSON.stringify(body)}});
    if (resp.ok) {{ location.reload(); return; }}
    const err = await resp.json().catch(() => null);
    form.querySelector(".err").textContent = err && err.error ? err.error.message : "保存失败，请重试";
  }});
}}
</script></body></html>"""


def page_html(center: str, report: Report) -> str:
    e = html.escape
    rows = []
    for r in report.items:
        form = ""
        if r.kind == "manual":
            form = (
                '<form class="tick">'
                f'<input type="hidden" name="item" value="{e(r.id)}">'
                f'<label><input type="checkbox" name="done" value="1"{" checked" if r.points else ""}> 已具备</label>'
                f'<input type="text" name="note" maxlength="{NOTE_MAX}" value="{e(r.evidence)}" '
                'placeholder="依据，例如：大厅在一楼，面积 60 平方米">'
                '<button>保存</button><span class="err" role="alert"></span></form>'
            )
        lost = ' class="lost"' if r.points < r.max else ""
        rows.append(
            f"<tr{lost}><td>{e(r.title)}{' （负责人确认）' if r.kind == 'manual' else ''}</td>"
            f'<td class="pts">{r.points} / {r.max}</td><td><span class="why">{e(r.why)}</span>{form}</td></tr>'
        )
    return PAGE.format(center=e(center), score=report.score, band=e(report.band), rows="".join(rows))


@routes.get("/manage/inspection")
async def inspection_page(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    report = await _report(request)
    return web.Response(text=page_html(request.app[SERVICE].center.name, report), content_type="text/html")
