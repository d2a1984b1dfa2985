"""County notices down to halls (政策调整、节假日安排): written on the board, fetched by halls.

A county user posts a notice to chosen halls or all of them, with an optional last day.
Each hall's sync task asks ``GET /api/hall/notices?after=N&wait=S`` with its token: the
notices for it with id > N, and the cursor ``upto`` (the newest notice id; it moves past
notices meant for other halls). With nothing new the request waits up to ``S`` seconds
(at most :data:`MAX_WAIT_S`) for a post, so a notice reaches an idle hall at once without
frequent polling. The hall stores each notice once (by id) and the cursor with it.

A post wakes the waiting requests of every worker process, not only its own: it sends
``NOTIFY`` in its transaction, and each worker keeps a ``LISTEN`` connection of its own
(:class:`Wakeup`). A request takes the current wake-up *before* it reads, so a post that
commits between its read and its wait still wakes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import Any

import asyncpg
from aiohttp import web

from bianmin.errors import BadRequest
from bianmin.pulse import Pulse
from bianmin.sync import NOTICE_TEXT_MAX, NOTICE_TITLE_MAX, NOTICES_PATH, CountyNotice, NoticeBatch

from . import keys
from .api import current_user
from .db import TZ
from .web import field, json_response, read_json

log = logging.getLogger("county.notices")
routes = web.RouteTableDef()
MAX_WAIT_S = 25
BATCH = 100
CHANNEL = "bianmin_notices"
RELISTEN_S = (2.0, 60.0)  # after the LISTEN connection is lost, try again after 2 s, doubling up to 60
PING_S = 30.0  # a half-open connection (a cut link) is noticed by a query this often


class Wakeup:
    """Wakes this worker's waiting notice requests (``posted``) when any worker posts a notice."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.closing = False
        self.posted = Pulse()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen())

    async def close(self) -> None:
        """Answer every waiting request at once, and stop listening."""
        self.closing = True
        self.posted.fire()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _listen(self) -> None:
        """Hold a LISTEN connection, and reconnect (with backoff) when it is lost.

        While it is down, posts on this worker still wake its waiters at once; posts on the
        others reach them within their wait (at most :data:`MAX_WAIT_S`)."""
        delay = RELISTEN_S[0]
        while True:
            try:
                await self._listen_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("county notices: LISTEN connection lost (%s); again in %.0f s", exc, delay)
            await asyncio.sleep(delay)
            delay = min(RELISTEN_S[1], delay * 2)

    async def _listen_once(self) -> None:
        conn = await asyncpg.connect(self.dsn, timeout=10)
        try:
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(CHANNEL, lambda *_args: self.posted.fire())
            # Listening from now: wake the waiters once, as a post may have come before.
            self.posted.fire()
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), PING_S)
                if not lost.is_set():
                    await conn.fetchval("SELECT 1", timeout=10)
        finally:
            if not conn.is_closed():
                await conn.close(timeout=2)


WAKEUP = web.AppKey("notice_wakeup", Wakeup)

FOR_HALL = (
    "SELECT id, title, body, created_at, expires FROM notices "
    "WHERE id > $1 AND (hall_ids IS NULL OR $2 = ANY(hall_ids)) ORDER BY id LIMIT $3"
)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(TZ).isoformat(timespec="seconds")


def _notice(r: Any) -> CountyNotice:
    expires = r["expires"].isoformat() if r["expires"] else None
    return CountyNotice(r["id"], r["title"], r["body"], _iso(r["created_at"]), expires)


async def _for_hall(pool: Any, hall_id: int, after: int) -> NoticeBatch:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await conn.fetch(FOR_HALL, after, hall_id, BATCH)
        newest = await conn.fetchval("SELECT COALESCE(max(id), 0) FROM notices")
    # A full page: continue after its last row next time, not after the newest notice.
    upto = rows[-1]["id"] if len(rows) == BATCH else max(newest, after)
    return NoticeBatch([_notice(r) for r in rows], upto)


def _int_query(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name, str(default))
    if not raw.isdigit() or len(raw) > 18:
        raise BadRequest(f"参数 {name} 应为非负整数", code="bad_query")
    return int(raw)


@routes.get(NOTICES_PATH)
async def hall_notices(request: web.Request) -> web.Response:
    hall_id = await request.app[keys.ACCOUNTS].hall_for(request.headers.get("Authorization"))
    after = _int_query(request, "after", 0)
    wait = min(MAX_WAIT_S, _int_query(request, "wait", 0))
    pool, wakeup = request.app[keys.POOL], request.app[WAKEUP]
    posted = wakeup.posted.current()  # before the read: a post committed after it sets this event
    batch = await _for_hall(pool, hall_id, after)
    if not batch.notices and batch.upto == after and wait > 0 and not wakeup.closing:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(posted.wait(), wait)
        batch = await _for_hall(pool, hall_id, after)
    return json_response(batch.to_dict())


@routes.post("/api/notices")
async def post_notice(request: web.Request) -> web.Response:
    user = await current_user(request)
    data = await read_json(request)
    title = field(data, "title", str, max_len=NOTICE_TITLE_MAX).strip()
    text = field(data, "text", str, max_len=NOTICE_TEXT_MAX).strip()
    if not title or not text:
        raise BadRequest("请填写公告的标题和内容", code="missing_field")
    halls = data.get("halls", "all")
    hall_ids: list[int] | None
    if halls == "all":
        hall_ids = None
    elif isinstance(halls, list) and halls and all(isinstance(h, int) and not isinstance(h, bool) for h in halls):
        hall_ids = sorted(set(halls))
        known = await request.app[keys.POOL].fetchval(
            "SELECT count(*) FROM halls WHERE id = ANY($1::int[]) AND revoked_at IS NULL", hall_ids
        )
        if known != len(hall_ids) or len(hall_ids) > 5000:
            raise BadRequest("所选的便民服务中心有的不存在或已停用", code="bad_halls")
    else:
        raise BadRequest('halls 应为 "all" 或所选中心的编号列表', code="bad_halls")
    expires = None
    raw = field(data, "expires", str, required=False, max_len=10)
    if raw:
        try:
            expires = dt.date.fromisoformat(raw)
        except ValueError:
            raise BadRequest("有效期格式应为 YYYY-MM-DD", code="bad_expires") from None
        if expires < dt.datetime.now(TZ).date():
            raise BadRequest("有效期不能早于今天", code="bad_expires")
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        # One post at a time: ids then commit in order, so a hall's cursor never skips one.
        await conn.execute("LOCK TABLE notices IN SHARE ROW EXCLUSIVE MODE")
        row = await conn.fetchrow(
            "INSERT INTO notices (title, body, hall_ids, expires, created_by) VALUES ($1, $2, $3, $4, $5) "
            "RETURNING id, title, body, created_at, expires",
            title,
            text,
            hall_ids,
            expires,
            user.id,
        )
        await conn.execute(f"NOTIFY {CHANNEL}")  # delivered at commit, to every worker's listener
    request.app[WAKEUP].posted.fire()  # this worker's at once, even when its listener is down
    return json_response({**_notice(row).to_dict(), "halls": hall_ids or "all"}, status=201)


@routes.get("/api/notices")
async def list_notices(request: web.Request) -> web.Response:
    await current_user(request)
    rows = await request.app[keys.POOL].fetch(
        "SELECT n.id, n.title, n.body, n.created_at, n.expires, n.hall_ids, u.name AS by_name "
        "FROM notices n LEFT JOIN users u ON u.id = n.created_by ORDER BY n.id DESC LIMIT 100"
    )
    return json_response([{**_notice(r).to_dict(), "halls": r["hall_ids"] or "all", "by": r["by_name"]} for r in rows])


def setup(app: web.Application, dsn: str) -> None:
    """Register the routes and the wake-up; at shutdown the waiting hall requests are answered at once."""
    app[WAKEUP] = Wakeup(dsn)
    app.router.add_routes(routes)

    async def on_startup(app: web.Application) -> None:
        app[WAKEUP].start()

    async def on_shutdown(app: web.Application) -> None:
        await app[WAKEUP].close()

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
