"""HTTP plumbing: the one place errors are rendered, and request-body helpers."""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .errors import AppError, BadRequest

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


async def read_json(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 that says what is wrong with it."""
    if request.content_length is not None and request.content_length > 64 * 1024:
        raise BadRequest("请求内容太大", code="too_large")
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
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
    return value


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))
