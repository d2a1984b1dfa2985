"""Requests (委托办理, 上门服务, 跨部门代办) over the real app: an agent submits and follows
their own; clerks see them beside promised cases and close them with the outcome."""

from __future__ import annotations

from tests.appoint.conftest import login, logout

ENTRUSTED = {
    "name": "王秀英",
    "village": "东村",
    "phone": "13900000000",
    "matter": "C1",
    "detail": "代为申请农村低保",
    "materials": "身份证、户口簿复印件",
}


async def test_an_agent_submits_and_follows_a_request_to_its_outcome(hall):
    await login(hall, "cun")
    r = await hall.post("/api/requests", json=ENTRUSTED)
    assert r.status == 201, await r.text()
    req = await r.json()
    assert req["code"] == "WT261127-01" and req["status"] == "open" and req["kind_name"] == "委托办理"
    assert req["due"] == "2026-12-11"  # C1: 10 working days from Friday 27 November
    r = await hall.post("/api/requests", json={**ENTRUSTED, "kind": "home_visit"})
    assert r.status == 403
    r = await hall.post("/api/requests/WT261127-01/close", json={"outcome": "x"})
    assert r.status == 403  # agents do not close
    await logout(hall)
    await login(hall, "w1")
    cases = await (await hall.get("/api/cases")).json()
    assert [q["code"] for q in cases["requests"]] == ["WT261127-01"]
    assert cases["requests"][0]["bucket"] == "open"
    r = await hall.post("/api/requests/WT261127-01/close", json={"status": "done"})
    assert r.status == 400 and (await r.json())["error"]["field"] == "outcome"
    r = await hall.post("/api/requests/WT261127-01/close", json={"status": "done", "outcome": "已批准，12月起发放"})
    assert r.status == 200 and (await r.json())["status"] == "done"
    r = await hall.post("/api/requests/WT261127-01/close", json={"status": "done", "outcome": "again"})
    assert r.status == 409
    assert (await (await hall.get("/api/cases")).json())["requests"] == []
    await logout(hall)
    await login(hall, "cun")
    mine = (await (await hall.get("/api/requests")).json())["requests"]
    assert [(q["code"], q["status_name"], q["outcome"]) for q in mine] == [
        ("WT261127-01", "已办结", "已批准，12月起发放")
    ]


async def test_clerks_record_home_visits_and_cross_department_cases(hall):
    await login(hall, "w1")
    r = await hall.post("/api/requests", json={**ENTRUSTED, "kind": "cross_department"})
    assert r.status == 400 and (await r.json())["error"]["field"] == "department"
    r = await hall.post(
        "/api/requests",
        json={**ENTRUSTED, "kind": "cross_department", "department": "县民政局", "assignee": "w4", "due": "2026-12-04"},
    )
    assert r.status == 201
    body = await r.json()
    assert body["code"] == "DB261127-01" and body["assignee"] == "综合窗口" and body["due"] == "2026-12-04"
    r = await hall.post("/api/requests", json={**ENTRUSTED, "kind": "home_visit", "due": "2026-11-01"})
    assert r.status == 400 and (await r.json())["error"]["code"] == "due_in_past"
    r = await hall.post("/api/requests", json={"kind": "home_visit", "name": "", "detail": "x"})
    assert r.status == 400 and (await r.json())["error"]["field"] == "name"
    r = await hall.get("/api/requests/DB261127-01")
    assert r.status == 200
    await logout(hall)
    await login(hall, "cun")
    assert (await hall.get("/api/requests/DB261127-01")).status == 404  # not the agent's own
    await logout(hall)
    assert (await hall.get("/api/requests")).status == 401


async def test_the_assignee_list_is_for_staff_only(hall):
    await login(hall, "cun")
    assert (await hall.get("/api/request-assignees")).status == 403
    await logout(hall)
    await login(hall, "w1")
    staff = (await (await hall.get("/api/request-assignees")).json())["staff"]
    assert {s["login"] for s in staff} == {"w1", "w4"}  # active clerks and managers, no agent
