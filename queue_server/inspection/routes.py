"""``GET /api/inspection`` (manager), the manager page ``/manage/inspection``, its ticks and
their photos of evidence.

POST /api/inspection/checks                  {"item", "done", "note"} -> the report
POST /api/inspection/checks/{item}/photo     body: a JPEG or PNG (image/jpeg, image/png) -> the report
GET  /manage/inspection/photo/{item}[?entry=id]   the item's photo (or a history entry's), manager only
"""

from __future__ import annotations

import html

from aiohttp import web

from ..api import require_role
from ..errors import BadRequest, NotFound
from ..keys import SERVICE, SETTINGS, STORE
from ..manage.photos import MAX_UPLOAD, evidence_jpeg
from ..web import field, json_response, path_int, read_json
from .checks import NOTE_MAX, Entry, has_photo, history, photo, save_check, save_photo
from .facts import gather, load_checks
from .score import Check, Report, load_weights, score

routes = web.RouteTableDef()


async def _report(request: web.Request) -> Report:
    svc = request.app[SERVICE]
    facts = await gather(svc.center, request.app[STORE], request.app[SETTINGS].db, svc.clock())
    return score(facts, load_weights())


@routes.get("/api/inspection")
async def inspection(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    return json_response((await _report(request)).to_dict())


def _manual_item(item: str) -> str:
    if item not in {it.id for it in load_weights().items if it.kind == "manual"}:
        raise BadRequest(f"“{item}”不是需要负责人确认的自查项", code="unknown_item")
    return item


async def _tick(request: web.Request, item: str, done: bool, note: str) -> None:
    clerk = await require_role(request, "manager")
    _manual_item(item)
    if len(note) > NOTE_MAX:
        raise BadRequest(f"说明不能超过 {NOTE_MAX} 字", code="note_too_long")
    if done and not note.strip() and not await has_photo(request.app[STORE], item):
        raise BadRequest("请写明依据或上传照片（例如：大厅在一楼，面积 60 平方米）", code="evidence_required")
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


@routes.post("/api/inspection/checks/{item}/photo")
async def upload_photo(request: web.Request) -> web.Response:
    """A photo of evidence for a manual item: a real JPEG or PNG of at most 4 MB, kept without
    its metadata (photos.py's checks), bounded in size; the item's tick and note stay."""
    clerk = await require_role(request, "manager")
    item = _manual_item(request.match_info["item"])
    too_big = BadRequest("照片太大（最多 4 MB）", code="photo_too_large", field="photo")
    if request.content_length is not None and request.content_length > MAX_UPLOAD:
        raise too_big
    raw = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        raw += chunk
        if len(raw) > MAX_UPLOAD:
            raise too_big
    jpeg = await evidence_jpeg(bytes(raw))
    await save_photo(request.app[STORE], item, jpeg, clerk.name, request.app[SERVICE].clock())
    return json_response((await _report(request)).to_dict())


@routes.get("/manage/inspection/photo/{item}")
async def get_photo(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    entry = request.query.get("entry")
    entry_id = path_int(entry) if entry is not None else None
    if entry is not None and entry_id is None:
        raise BadRequest("entry 必须是记录编号", code="bad_field", field="entry")
    jpeg = await photo(request.app[STORE], request.match_info["item"], entry_id)
    if not jpeg:
        raise NotFound("这一项还没有照片", code="no_photo")
    return web.Response(body=jpeg, content_type="image/jpeg", headers={"Cache-Control": "private, no-cache"})


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>自查评分 - 便民服务中心</title>
<style>
body{{font-family:"Noto Sans CJK SC","Noto Sans SC",sans-serif;margin:0 auto;max-width:70em;padding:1em;color:#111}}
h1{{font-size:1.5em}} .score{{font-size:3em;font-weight:bold;color:#0b5394}} .band{{font-size:1.3em;margin-left:.5em}}
table{{border-collapse:collapse;width:100%}}
th,td{{border:1px solid #ccc;padding:.4em .6em;text-align:left;vertical-align:top}}
th{{background:#eef3f8}} td.pts{{white-space:nowrap;text-align:right}} tr.lost td.pts{{color:#b00020;font-weight:bold}}
.why{{color:#444}} form{{display:flex;gap:.4em;margin-top:.3em}} input[type=text]{{flex:1}}
.note{{color:#555;font-size:.9em}} form.tick{{flex-wrap:wrap;align-items:center}}
.evidence img.thumb{{max-width:160px;max-height:120px;border:1px solid #ccc;margin-top:.4em;display:block}}
.history{{font-size:.85em;color:#444;margin-top:.3em}} .history ul{{margin:.3em 0;padding-left:1.2em}}
.history img{{max-width:48px;max-height:36px;vertical-align:middle;border:1px solid #ddd}}
.err{{color:#b00020;font-weight:bold}}
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
// A photo is uploaded as the image itself (image/jpeg or image/png; anything else goes as
// octet-stream so the server names the problem), then the tick is a JSON write
// (cookie-authenticated writes must be JSON or an upload type, and same-origin).
async function errorOf(resp) {{
  const err = await resp.json().catch(() => null);
  return err && err.error ? err.error.message : "保存失败，请重试";
}}
for (const form of document.querySelectorAll("form.tick")) {{
  form.addEventListener("submit", async (ev) => {{
    ev.preventDefault();
    const out = form.querySelector(".err");
    out.textContent = "";
    const item = form.item.value;
    try {{
      const file = form.photo.files[0];
      if (file) {{
        const type = file.type === "image/jpeg" || file.type === "image/png" ? file.type : "application/octet-stream";
        const up = await fetch("/api/inspection/checks/" + encodeURIComponent(item) + "/photo", {{method: "POST",
          credentials: "same-origin", headers: {{"Content-Type": type}}, body: file}});
        if (!up.ok) {{ out.textContent = await errorOf(up); return; }}
      }}
      const body = {{item, done: form.done.checked, note: form.note.value}};
      const resp = await fetch("/api/inspection/checks", {{method: "POST", credentials: "same-origin",
        headers: {{"Content-Type": "application/json"}}, body: JSON.stringify(body)}});
      if (resp.ok) {{ location.reload(); return; }}
      out.textContent = await errorOf(resp);
    }} catch (e) {{
      out.textContent = "无法连接服务器，请检查网络后重试";
    }}
  }});
}}
</script></body></html>"""


def _history_html(item: str, entries: list[Entry]) -> str:
    e = html.escape
    lines = []
    for h in entries:
        pic = ""
        if h.has_photo:
            url = f"/manage/inspection/photo/{e(item)}?entry={h.id}"
            pic = f' <a href="{url}" target="_blank"><img src="{url}" alt="当时的照片"></a>'
        what = "确认已具备" if h.done else "未勾选"
        note = f"：{e(h.note)}" if h.note else ""
        lines.append(f"<li>{e(h.at[:16].replace('T', ' '))} {e(h.by)} {what}{note}{pic}</li>")
    return (
        f'<details class="history"><summary>记录（最近 {len(entries)} 次）</summary><ul>{"".join(lines)}</ul></details>'
    )


def page_html(
    center: str, report: Report, checks: dict[str, Check] | None = None, past: dict[str, list[Entry]] | None = None
) -> str:
    e = html.escape
    checks, past = checks or {}, past or {}
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
                '<label>照片 <input type="file" name="photo" accept="image/jpeg,image/png"></label>'
                '<button>保存</button><span class="err" role="alert"></span></form>'
            )
            check = checks.get(r.id)
            if check is not None and check.photo:
                url = f"/manage/inspection/photo/{e(r.id)}"
                form += (
                    f'<div class="evidence"><a href="{url}" target="_blank">'
                    f'<img class="thumb" src="{url}?v={e(check.at)}" alt="{e(r.title)}的照片依据"></a></div>'
                )
            if past.get(r.id):
                form += _history_html(r.id, past[r.id])
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
    store = request.app[STORE]
    text = page_html(request.app[SERVICE].center.name, report, await load_checks(store), await history(store))
    return web.Response(text=text, content_type="text/html")
