"""``GET /manage/guides.zip`` (manager): the whole export-guides folder as one zip file;
``GET /api/guides/{matter}`` (public): one guide as a :class:`GuideInfo`, for the kiosk's
查看办事指南 (printed on the ticket printer for residents without a phone)."""

from __future__ import annotations

import asyncio
import io
import tempfile
import zipfile
from pathlib import Path

from aiohttp import web

from bianmin.center import Center
from bianmin.protocol import GuideInfo
from bianmin.samples import guide_samples

from ..api import require_role
from ..errors import NotFound, TooManyRequests, Unavailable
from ..keys import SERVICE
from ..supervision.public_pages import published_results
from ..web import json_response
from .export import ExportError, export_guides

routes = web.RouteTableDef()
EXPORT_TIMEOUT_S = 180.0
_busy = asyncio.Lock()  # one export at a time: each one runs a browser


def _zip(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, f"guides/{path.relative_to(folder).as_posix()}")
    return buf.getvalue()


@routes.get("/manage/guides.zip")
async def guides_zip(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    if _busy.locked():
        raise TooManyRequests("正在导出办事指南，请稍候再试", code="export_busy")
    svc = request.app[SERVICE]
    today = svc.clock().astimezone(svc.center.tz).date()
    results = f"{await published_results(svc.store, svc.center, today)}（截至 {today.isoformat()}）"
    async with _busy:
        with tempfile.TemporaryDirectory(prefix="bianmin-guides-") as tmp:
            try:
                export = export_guides(svc.center, Path(tmp), svc.base_url, results=results)
                await asyncio.wait_for(export, EXPORT_TIMEOUT_S)
            except ExportError as exc:
                raise Unavailable(str(exc), code="export_failed") from None
            except TimeoutError:
                raise Unavailable("导出办事指南超时，请稍后再试", code="export_timeout") from None
            data = await asyncio.to_thread(_zip, Path(tmp))
    return web.Response(
        body=data,
        content_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="guides.zip"'},
    )


def guide_info(center: Center, code: str) -> GuideInfo:
    matter = center.matters.get(code)
    if matter is None:
        raise NotFound("没有这个办事事项", code="unknown_matter")
    g, cat = matter.guide, center.category(matter.category)
    return GuideInfo(
        code=matter.code,
        name=matter.name,
        category=matter.category,
        category_name=cat.name if cat else matter.category,
        policy_basis=g.policy_basis,
        fees=g.fees,
        procedure=list(g.procedure),
        materials=list(g.materials),
        promised_days=g.promised_days,
        statutory_days=g.statutory_days,
        agency=g.agency,
        supervision=g.supervision,
        note=g.note,
        sample=bool(guide_samples(matter)),
    )


@routes.get("/api/guides/{matter}")
async def guide(request: web.Request) -> web.Response:
    return json_response(guide_info(request.app[SERVICE].center, request.match_info["matter"][:10]).to_dict())
