"""HTTP plumbing: the one place errors are rendered, and request-body helpers."""

from __future__ import annotations

import asyncio
import html
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from .errors import AppError, BadRequest, NotFound
from .wire import json_bytes

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

log = logging.getLogger("queue_server")

ERROR_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>出错了</title>
<body style="font-family:sans-serif;padding:2em;font-size:20px">
<h1 style="font-size:26px">{title}</h1><p>{message}</p><p><a href="javascript:history.back()">返回</a></p>
"""

HTTP_MESSAGES = {
    404: ("not_found", "没有这个地址，请检查网址"),
    405: ("method_not_allowed", "不支持这种请求方式"),
    413: ("too_large", "请求内容太大"),
}


def _wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/ws")


def render_error(request: web.Request, err: AppError) -> web.Response:
    """Render ``err`` as JSON for the API and as a small Chinese page for everything else."""
    headers = {}
    if err.status == 429:
        headers["Retry-After"] = "60"
    if _wants_json(request):
        return web.json_response(
            err.to_dict(), status=err.status, headers=headers, dumps=lambda o: json.dumps(o, ensure_ascii=False)
        )
    body = ERROR_PAGE.format(title="出错了", message=html.escape(err.message))
    return web.Response(text=body, status=err.status, content_type="text/html", headers=headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except AppError as err:
        return render_error(request, err)
    except web.HTTPException as exc:
        if exc.status in HTTP_MESSAGES and exc.status >= 400:
            code, message = HTTP_MESSAGES[exc.status]
            return render_error(request, AppError(message, code=code, status=exc.status))
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        internal = AppError("服务器内部错误，请稍后重试或联系管理员", code="internal", status=500)
        return render_error(request, internal)


BODY_TIMEOUT = 10.0  # seconds to send a (64 KB at most) request body
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
SESSION_COOKIE = "bianmin_session"
INT64_MAX = 2**63 - 1


async def read_json(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 that says what is wrong with it."""
    if request.content_length is not None and request.content_length > 64 * 1024:
        raise BadRequest("请求内容太大", code="too_large")
    if request.content.is_eof():  # the whole body has arrived (most often with the head)
        raw = await request.read()
    else:
        try:
            async with asyncio.timeout(BODY_TIMEOUT):
                raw = await request.read()
        except TimeoutError:
            raise AppError("请求内容发送太慢，已超时", code="body_timeout", status=408) from None
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("请求内容不是有效的 JSON", code="bad_json") from None
    if not isinstance(data, dict):
        raise BadRequest("请求内容必须是 JSON 对象", code="bad_json")
    return data


def field(data: dict, name: str, kind: type, *, required: bool = False, default: Any = None, max_len: int = 200) -> Any:
    """One typed field of a JSON body; wrong types get a 400 naming the field."""
    if name not in data or data[name] is None:
        if required:
            raise BadRequest(f"缺少字段 {name}", code="missing_field", field=name)
        return default
    value = data[name]
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok:
        names = {str: "文字", int: "整数", bool: "true 或 false"}
        raise BadRequest(f"字段 {name} 必须是{names.get(kind, '正确的类型')}", code="bad_field", field=name)
    if kind is str and len(value) > max_len:
        raise BadRequest(f"字段 {name} 太长（最多 {max_len} 字）", code="bad_field", field=name)
    if kind is str and not valid_text(value):
        raise BadRequest(f"字段 {name} 含有无效字符", code="bad_text", field=name)
    return value


def valid_text(value: str) -> bool:
    """Text SQLite and every client can store: UTF-8 encodable (no lone surrogates), no NUL."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def path_int(value: str) -> int | None:
    """A path segment as a database id (a 64-bit integer), or None when it is not one."""
    if not (value.isascii() and value.isdigit()) or len(value) > 19:
        return None
    number = int(value)
    return number if number <= INT64_MAX else None


# Body types a cookie-authenticated write may carry: JSON, and the console's uploads (a
# work-card photo, a center.toml). None is CORS-safelisted, so a page of another origin cannot
# send one without a preflight, which we never answer; a cross-site form can only send
# urlencoded, multipart or text/plain, which are refused.
WRITE_TYPES = frozenset({"application/json", "application/toml", "image/jpeg", "image/png", "application/octet-stream"})


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Cookie-authenticated writes must come from our own pages.

    ``SameSite=Strict`` is not enough: another port on the same host is same-site. A write
    carrying the session cookie and a body must be JSON or an upload type (a cross-site form
    always sends a form type, and a page cannot send JSON cross-origin without a CORS
    preflight, which we never answer); and a browser's ``Origin`` or ``Sec-Fetch-Site``
    must say it came from this origin (browsers send ``Origin`` with every ``POST``, so a
    bodiless cross-site ``fetch`` stops here). Clients that are not browsers send neither
    header; they cannot be made to carry a victim's cookie."""
    if request.method in SAFE_METHODS or SESSION_COOKIE not in request.cookies:
        return await handler(request)
    if request.body_exists and request.content_type not in WRITE_TYPES:
        return render_error(request, AppError("请求格式不正确", code="json_required", status=415))
    origin = request.headers.get("Origin")
    fetch_site = request.headers.get("Sec-Fetch-Site")
    own = f"{request.scheme}://{request.host}"
    if (origin is not None and origin != own) or (fetch_site is not None and fetch_site not in ("same-origin", "none")):
        return render_error(request, AppError("拒绝来自其他网站的请求", code="cross_origin", status=403))
    return await handler(request)


STATIC_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".txt": "text/plain",
    ".md": "text/plain",
}


def serve_static(folder: Path, name: str) -> web.Response:
    """A page, script or style of ``folder``, for the consoles' static routes.

    Only plain file names of the folder: no sub-paths, no dot files, no traversal. Read on
    each request and sent with ``Cache-Control: no-cache``, so an upgraded server never leaves
    a window PC running yesterday's script."""
    path = folder / name
    if "/" in name or name.startswith(".") or path.suffix not in STATIC_TYPES or not path.is_file():
        raise NotFound("没有这个文件", code="not_found")
    return web.Response(
        body=path.read_bytes(),
        content_type=STATIC_TYPES[path.suffix],
        charset="utf-8",
        headers={"Cache-Control": "no-cache"},
    )


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=json_bytes(data), status=status, content_type="application/json", charset="utf-8")
