"""The kiosk's HTTP client for the queue server (aiohttp, no Kivy).

Every failure becomes an :class:`ApiError` carrying a stable ``code`` and a Chinese
``message`` for the screen: the server's own error body when it sent one,
:class:`ServerUnreachable` when it could not be reached at all.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp

from bianmin.protocol import CenterInfo, GuideInfo, IssuedTicket, Message, ProtocolError, Snapshot

UNREACHABLE_MESSAGE = "暂时无法连接排队服务器，请稍候，正在自动重试。"
BAD_REPLY_MESSAGE = "服务器的答复无法识别，请联系工作人员。"
M = TypeVar("M", bound=Message)


class ApiError(Exception):
    """The server refused or failed a request; ``message`` is shown to the resident."""

    def __init__(self, message: str, *, code: str = "error", status: int = 0):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    @property
    def retryable(self) -> bool:
        """Worth sending again unchanged (the server was busy or briefly away)."""
        return self.status in (502, 503, 504)


class ServerUnreachable(ApiError):
    """No answer: connection refused, reset or timed out."""

    def __init__(self, detail: str = ""):
        super().__init__(UNREACHABLE_MESSAGE, code="unreachable")
        self.detail = detail

    @property
    def retryable(self) -> bool:
        return True


class KioskApi:
    """The calls the kiosk makes. Create inside the running loop; ``close`` when done."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 6.0):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout, sock_connect=min(3.0, timeout)))

    async def close(self) -> None:
        await self.http.close()

    async def _call(self, method: str, path: str, body: dict | None = None, auth: bool = False) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if auth else {}
        try:
            async with self.http.request(method, self.base_url + path, json=body, headers=headers) as resp:
                text = await resp.text()
                status = resp.status
        except (TimeoutError, aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, OSError) as exc:
            raise ServerUnreachable(f"{type(exc).__name__}: {exc}") from None
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if status >= 400:
            error = data.get("error") if isinstance(data, dict) else None
            if isinstance(error, dict) and isinstance(error.get("message"), str):
                raise ApiError(error["message"], code=str(error.get("code", "error")), status=status)
            if status in (502, 503, 504):
                raise ApiError("服务器正忙，请稍候再试。", code="busy", status=status)
            raise ApiError(f"服务器出错（{status}），请联系工作人员。", code="http_error", status=status)
        if data is None:
            raise ApiError(BAD_REPLY_MESSAGE, code="bad_reply", status=status)
        return data

    async def center(self) -> CenterInfo:
        """``GET /api/center``: the center's names, office hours and categories."""
        return parse_reply(CenterInfo, await self._call("GET", "/api/center"))

    async def snapshot(self) -> Snapshot:
        """``GET /api/snapshot``: today's waiting counts and the service day."""
        return parse_reply(Snapshot, await self._call("GET", "/api/snapshot"))

    async def issue(self, category: str, matter: str | None, priority: bool, request_id: str) -> IssuedTicket:
        """``POST /api/tickets``; the same ``request_id`` always returns the same ticket."""
        body: dict[str, Any] = {"category": category, "priority": priority, "request_id": request_id}
        if matter is not None:
            body["matter"] = matter
        return parse_reply(IssuedTicket, await self._call("POST", "/api/tickets", body, auth=True))

    async def check_in(self, code: str, request_id: str) -> IssuedTicket:
        """``POST /api/appointments/{code}/check-in``: a booking's ticket (预约取号)."""
        path = f"/api/appointments/{quote(code, safe='')}/check-in"
        return parse_reply(IssuedTicket, await self._call("POST", path, {"request_id": request_id}, auth=True))

    async def guide(self, matter: str) -> GuideInfo:
        """``GET /api/guides/{matter}``: one matter's guide, for printing without a ticket."""
        return parse_reply(GuideInfo, await self._call("GET", f"/api/guides/{quote(matter, safe='')}"))


def parse_reply(kind: type[M], data: Any) -> M:
    """``data`` as a ``kind`` message; a reply of another shape is a protocol error."""
    try:
        return kind.from_dict(data)
    except ProtocolError as exc:
        raise ApiError(BAD_REPLY_MESSAGE, code="bad_reply") from exc
