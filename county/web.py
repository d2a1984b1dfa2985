"""HTTP plumbing of the county server: the one place errors are rendered, JSON bodies.

The typed errors are the hall's (:mod:`bianmin.errors`); the middleware is the county's own
small copy because the hall's also renders HTML pages and reads its settings and session
cookie, none of which the county has (keeping it out of ``bianmin`` keeps that package
free of server code).
"""

from __future__ import annotations

import logging
import zlib
from typing import Any

import aiohttp.http_exceptions
import orjson
from aiohttp import web
from aiohttp.typedefs import Handler

from bianmin.errors import AppError, BadRequest, TooLarge

log = logging.getLogger("county")
MAX_BODY = 8 * 1024 * 1024  # a sync batch, inflated
HTTP_MESSAGES = {
    404: ("not_found", "没有这个地址，请检查网址"),
    405: ("method_not_allowed", "不支持这种请求方式"),
    413: ("too_large", "请求内容太大"),
}


def dumps(obj: Any) -> str:
    return orjson.dumps(obj).decode()


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps)


def render_error(err: AppError) -> web.Response:
    headers = {"Retry-After": "30"} if err.status in (429, 503) else {}
    resp = web.json_response(err.to_dict(), status=err.status, headers=headers, dumps=dumps)
    if err.status == 503:
        # Closing saves reading (and inflating) a refused request's body to keep the link.
        resp.force_close()
    return resp


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except AppError as err:
        return render_error(err)
    except web.HTTPException as exc:
        if exc.status in HTTP_MESSAGES:
            code, message = HTTP_MESSAGES[exc.status]
            return render_error(AppError(message, code=code, status=exc.status))
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(AppError("服务器内部错误，请稍后重试", code="internal", status=500))


async def read_body(request: web.Request, *, limit: int = 64 * 1024) -> bytes:
    """The body, at most ``limit`` bytes once inflated, or a 400/413 that says what is wrong.

    aiohttp inflates a ``Content-Encoding: gzip`` body as it is read."""
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge("请求内容太大")
    try:
        raw = await request.content.read(limit + 1)
    except (zlib.error, aiohttp.http_exceptions.ContentEncodingError):
        raise BadRequest("请求内容不是有效的 gzip", code="bad_gzip") from None
    except ConnectionResetError:  # the client gave up (its timeout) while sending: not our error
        raise BadRequest("连接在发送中断开", code="connection_lost") from None
    if len(raw) > limit:
        raise TooLarge("请求内容太大")
    return raw


async def read_json(request: web.Request, *, limit: int = 64 * 1024) -> Any:
    """The body as JSON (see :func:`read_body`), or a 400 that says what is wrong."""
    raw = await read_body(request, limit=limit)
    if b"\\u0000" in raw:  # PostgreSQL's text and jsonb cannot hold a NUL (a raw one is not JSON)
        raise BadRequest("请求内容含有不允许的空字符（\\u0000）", code="bad_json")
    try:
        return orjson.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("请求内容不是有效的 JSON", code="bad_json") from None


def field(data: Any, name: str, kind: type, *, required: bool = True, max_len: int = 200) -> Any:
    """One typed field of a JSON object body; a 400 naming the field otherwise."""
    if not isinstance(data, dict):
        raise BadRequest("请求内容必须是 JSON 对象", code="bad_json")
    value = data.get(name)
    if value is None:
        if required:
            raise BadRequest(f"缺少字段 {name}", code="missing_field")
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadRequest(f"字段 {name} 的类型不对", code="bad_field")
    if isinstance(value, str) and len(value) > max_len:
        raise BadRequest(f"字段 {name} 太长（最多 {max_len} 字）", code="bad_field")
    return value
