"""``POST /api/figures``: a hall's slow figures (:class:`bianmin.sync.HallFigures`).

The latest figures of each hall fill the board's columns (satisfaction, open 差评, overdue
cases and complaints, the self-inspection score, device faults) in ``hall_state``; the
supervision figures are also kept per hall and month for the county statistics. Halls send
them about once a minute, apart from the event sync, so this never delays ingestion.
"""

from __future__ import annotations

from aiohttp import web

from bianmin.errors import BadRequest
from bianmin.protocol import ProtocolError
from bianmin.sync import FIGURES_PATH, HallFigures

from . import keys
from .web import dumps, json_response, read_json

routes = web.RouteTableDef()

SAVE = """
UPDATE hall_state SET figures = $2::jsonb, figures_at = now(), satisfaction = $3, bad_reviews = $4,
    overdue = $5, complaints = $6, inspection_score = $7, device_faults = $8
WHERE hall_id = $1
"""
SAVE_MONTH = """
INSERT INTO hall_months (hall_id, month, satisfaction, rated, bad_open, complaints) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (hall_id, month) DO UPDATE SET satisfaction = excluded.satisfaction, rated = excluded.rated,
    bad_open = excluded.bad_open, complaints = excluded.complaints, updated_at = now()
"""


@routes.post(FIGURES_PATH)
async def receive(request: web.Request) -> web.Response:
    hall_id = await request.app[keys.ACCOUNTS].hall_for(request.headers.get("Authorization"))
    try:
        f = HallFigures.from_dict(await read_json(request, limit=16 * 1024))
    except ProtocolError as exc:
        raise BadRequest(f"中心数据格式不对：{exc}", code="bad_figures") from None
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        await conn.execute(
            SAVE,
            hall_id,
            dumps(f.to_dict()),
            f.satisfaction_rate,
            f.bad_open,
            f.overdue_cases,
            f.complaints_overdue,
            f.inspection_score,
            len(f.device_faults),
        )
        if f.month is not None:
            await conn.execute(SAVE_MONTH, hall_id, f.month, f.satisfaction_rate, f.rated, f.bad_open, f.complaints)
    return json_response({"ok": True})
