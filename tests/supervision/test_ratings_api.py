"""Ratings through the real app over a real SQLite file, the clock passed in: one rating per
service, the 7-day default, the 差评 case, concurrent taps, the complaint box."""

from __future__ import annotations

import asyncio
import datetime as dt

from bianmin.protocol import SupervisionResults
from queue_server.supervision import sweep_once
from queue_server.supervision.results import month_results

from .conftest import login, served


async def test_phone_rating_once_and_refused_twice(hall):
    t = await served(hall)
    url = f"/api/tickets/{t['token']}/rating"
    assert (await (await hall.get(url)).json())["state"] == "open"
    r = await hall.post(url, json={"level": "satisfied"})
    assert r.status == 201, await r.text()
    r = await hall.post(url, json={"level": "very_satisfied"})
    assert r.status == 409
    assert (await r.json())["error"]["code"] == "already_rated"
    state = await (await hall.get(url)).json()
    assert state["state"] == "rated" and state["level"] == "satisfied"


async def test_not_finished_and_bad_rating_needs_a_reason(hall):
    t = await served(hall)
    r = await hall.post("/api/tickets", json={"category": "A"}, headers=hall.kiosk)
    token = (await r.json())["token"]
    r = await hall.post(f"/api/tickets/{token}/rating", json={"level": "satisfied"})
    assert r.status == 409 and (await r.json())["error"]["code"] == "not_finished"
    url = f"/api/tickets/{t['token']}/rating"
    r = await hall.post(url, json={"level": "dissatisfied"})
    assert r.status == 400 and (await r.json())["error"]["code"] == "reason_required"
    r = await hall.post(url, json={"level": "meh"})
    assert r.status == 400 and (await r.json())["error"]["code"] == "bad_level"
    r = await hall.post(url, json={"level": "very_dissatisfied", "reasons": ["态度"], "phone": "13800000000"})
    assert r.status == 201
    assert (await r.json())["case"] is not None


async def test_unrated_service_defaults_to_basic_after_seven_days(hall, clock):
    t = await served(hall)
    url = f"/api/tickets/{t['token']}/rating"
    clock.now += dt.timedelta(days=6, hours=23)
    assert await sweep_once(hall.app) == 0
    assert (await (await hall.get(url)).json())["state"] == "open"
    clock.now += dt.timedelta(hours=1, minutes=1)
    res = await month_results(hall.store, clock.now.date())
    assert (res.rated, res.defaulted, res.satisfaction_rate) == (0, 1, 1.0)  # counted before the sweep too
    assert await sweep_once(hall.app) == 1
    assert await sweep_once(hall.app) == 0
    r = await hall.post(url, json={"level": "satisfied"})
    assert r.status == 409 and (await r.json())["error"]["code"] in ("already_rated", "rating_closed")
    assert (await (await hall.get(url)).json())["state"] == "closed"
    res = await month_results(hall.store, clock.now.date())
    assert (res.rated, res.defaulted, res.satisfaction_rate) == (0, 1, 1.0)
    await login(hall, "boss")
    rows = await (await hall.get("/api/ratings?from=2026-11-01&to=2026-11-30")).json()
    assert [(r["ticket"], r["level"], r["defaulted"]) for r in rows] == [(t["number"], "basic", True)]


async def test_concurrent_taps_make_exactly_one_rating(hall):
    t = await served(hall)
    await login(hall, "boss")
    r = await hall.post("/api/devices", json={"kind": "pad", "name": "1号评价器", "window": 1})
    assert r.status == 201, await r.text()
    pad_token = (await r.json())["token"]
    r = await hall.get(f"/rate/1?pair={pad_token}", allow_redirects=False)
    assert r.status == 302 and "HttpOnly" in r.headers["Set-Cookie"]
    await hall.post("/api/logout")
    hall.session.cookie_jar.update_cookies({"bianmin_pad": pad_token})
    pending = (await (await hall.get("/api/pad/1")).json())["pending"]
    assert pending["number"] == t["number"]
    taps = [
        tap
        for _ in range(3)
        for tap in (
            hall.post("/api/pad/1/rating", json={"ticket": pending["ticket"], "level": "very_satisfied"}),
            hall.post(f"/api/tickets/{t['token']}/rating", json={"level": "satisfied"}),
        )
    ]
    statuses = sorted(r.status for r in await asyncio.gather(*taps))
    assert statuses == [201, 409, 409, 409, 409, 409]
    rows = await hall.store.fetchall("SELECT COUNT(*) AS n FROM ratings")
    assert rows[0]["n"] == 1
    assert (await (await hall.get("/api/pad/1")).json())["pending"] is None


async def test_bad_rating_case_reply_appeal_and_results(hall, clock):
    t = await served(hall)
    r = await hall.post(f"/api/tickets/{t['token']}/rating", json={"level": "dissatisfied", "reasons": ["效率"]})
    case = (await r.json())["case"]
    res = await month_results(hall.store, clock.now.date())
    assert (res.rated, res.satisfaction_rate, res.bad_open) == (1, 0.0, 1)
    await login(hall, "boss")
    cases = await (await hall.get("/api/rating-cases")).json()
    assert [c["id"] for c in cases] == [case]
    assert cases[0]["due"] == "2026-11-23"  # 5 working days after Monday 16 November
    assert cases[0]["clerk"] == "张三" and cases[0]["reasons"] == ["效率"]
    r = await hall.post(f"/api/rating-cases/{case}/reply", json={"reply": " "})
    assert r.status == 400
    r = await hall.post(f"/api/rating-cases/{case}/callback", json={"reached": True, "note": "已电话致歉"})
    assert r.status == 200
    r = await hall.post(f"/api/rating-cases/{case}/reply", json={"rectification": "加开窗口", "reply": "已整改"})
    assert (await r.json())["closed"] is True
    await login(hall, "w2")
    r = await hall.post(f"/api/rating-cases/{case}/appeal", json={"reason": "不是我"})
    assert r.status == 403
    await login(hall, "w1")
    r = await hall.post(f"/api/rating-cases/{case}/appeal", json={"reason": "群众误会"})
    assert r.status == 200
    await login(hall, "boss")
    r = await hall.post(f"/api/rating-cases/{case}/appeal/decide", json={"uphold": True})
    assert (await r.json())["appeal"]["status"] == "upheld"
    res = await month_results(hall.store, clock.now.date())
    assert (res.rated, res.satisfaction_rate, res.bad_open) == (1, None, 0)
    assert SupervisionResults.from_dict(await (await hall.get("/api/supervision/results")).json()) == res
    breakdown = await (await hall.get("/api/supervision/breakdown")).json()
    assert breakdown["clerk"] == []  # the upheld 差评 is out of the statistics


async def test_overdue_case_counts(hall, clock):
    t = await served(hall)
    await hall.post(f"/api/tickets/{t['token']}/rating", json={"level": "very_dissatisfied", "reasons": ["态度"]})
    clock.now += dt.timedelta(days=8)
    res = await month_results(hall.store, clock.now.date())
    assert (res.bad_open, res.bad_overdue) == (1, 1)
    await login(hall, "boss")
    assert (await (await hall.get("/api/rating-cases")).json())[0]["overdue"] is True


async def test_complaint_box_code_reply_and_limits(hall, clock):
    r = await hall.post("/api/complaints", json={"kind": "complaint", "text": "排队太久", "phone": "13800000000"})
    assert r.status == 201
    code = (await r.json())["code"]
    state = await (await hall.get(f"/api/complaints/{code}")).json()
    assert state == {"status": "open", "status_name": "待处理"}
    r = await hall.post("/api/complaints", json={"kind": "complaint", "text": "x" * 501})
    assert r.status == 400
    r = await hall.post("/api/complaints", json={"kind": "praise", "text": "好", "source": "book"})
    assert r.status == 401  # a paper entry is the manager's
    await login(hall, "boss")
    rows = await (await hall.get("/api/complaints")).json()
    assert rows[0]["phone"] == "13800000000" and rows[0]["due"] == "2026-11-23"
    r = await hall.post(f"/api/complaints/{rows[0]['id']}/reply", json={"text": "已增设窗口"})
    assert r.status == 200
    state = await (await hall.get(f"/api/complaints/{code}")).json()
    assert state["status"] == "replied" and state["reply"] == "已增设窗口" and "phone" not in state
    res = await month_results(hall.store, clock.now.date())
    assert (res.complaints, res.complaint_reply_rate, res.complaints_overdue) == (1, 1.0, 0)
    await hall.post("/api/logout")
    statuses = [
        (await hall.post("/api/complaints", json={"kind": "suggestion", "text": f"建议{i}"})).status for i in range(6)
    ]
    assert statuses == [201, 201, 201, 201, 429, 429]  # five per address in ten minutes, the first counted
