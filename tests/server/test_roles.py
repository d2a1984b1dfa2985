"""Roles: a manager works at every window, an agent at none; the role is checked on the server."""

from __future__ import annotations

import pytest
from aiohttp import web

from queue_server.accounts import Accounts, Clerk
from queue_server.api import require_role
from queue_server.errors import BadRequest, Forbidden

from .conftest import PASSWORD, login


def test_may_use_by_role() -> None:
    assert Clerk(1, "m", "负责人", (1,), "manager").may_use(4)
    assert not Clerk(2, "a", "代办员", (), "agent").may_use(1)
    assert Clerk(3, "c", "窗口", (), "clerk").may_use(2)
    assert not Clerk(4, "c2", "窗口", (1,), "clerk").may_use(2)


async def test_role_is_stored_and_reported(hall) -> None:
    r = await hall.post("/api/login", json={"login": "w1", "password": PASSWORD})
    assert (await r.json())["role"] == "clerk"


async def test_unknown_role_is_refused(tmp_path) -> None:
    from queue_server.store import Store

    store = await Store.open(tmp_path / "q.db")
    try:
        with pytest.raises(BadRequest) as err:
            await Accounts(store).add_clerk("x1", "某人", [], PASSWORD, role="boss")
        assert err.value.field == "role"
        manager = await Accounts(store).add_clerk("m1", "负责人", [], PASSWORD, role="manager")
        assert manager.role == "manager"
    finally:
        await store.close()


async def test_require_role_refuses_a_clerk(hall) -> None:
    await login(hall, "w1")
    cookie = hall.session.cookie_jar.filter_cookies(hall.make_url("/"))["bianmin_session"].value
    request = _request(hall.app, cookie)
    with pytest.raises(Forbidden) as err:
        await require_role(request, "manager")
    assert err.value.code == "manager_only"
    assert (await require_role(request, "clerk", "manager")).login == "w1"


def _request(app: web.Application, cookie: str) -> web.Request:
    from aiohttp.test_utils import make_mocked_request

    return make_mocked_request("GET", "/", headers={"Cookie": f"bianmin_session={cookie}"}, app=app)
