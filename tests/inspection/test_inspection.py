"""Self-inspection: the pure scorer on plain facts, then the sample and a fully filled center
scored over a real database file, through the CLI, the API and the manager page."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bench.devserver import ROOT
from bianmin.center import SAMPLE_CENTER, load_center
from bianmin.samples import all_samples
from queue_server.accounts import Accounts
from queue_server.app import create_app
from queue_server.inspection.score import SYSTEMS, Check, Facts, WeightsError, load_weights, score
from queue_server.settings import Settings
from queue_server.store import Store

PASSWORD = "pass-12345"
NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)  # a Friday
MANUAL = {
    "hall": "大厅在一楼，面积 60 平方米",
    "sign": "门口悬挂标牌",
    "equipment": "打印机两台、电话一部",
    "comfort": "座椅 12 张，饮水机一台",
}


def full_facts() -> Facts:
    return Facts(
        matters=24,
        sample_texts=(),
        unnamed_windows=(),
        windows=4,
        active_clerks=3,
        clerks_missing_card=(),
        office_days=3,
        rota_days_ahead=14,
        notices=("本中心实行" + "、".join(SYSTEMS) + "。大厅设有意见箱。",),
        hotline_set=True,
        complaint_box=True,
        ratings_recent=40,
        office_days_past=12,
        ledger_days=12,
        cases_late=0,
        devices_seen={"display": True, "kiosk": True},
        backup_age_hours=3.0,
        checks={k: Check(True, v) for k, v in MANUAL.items()},
    )


def test_weights_add_up_to_100_and_bands_follow_the_plan():
    w = load_weights()
    assert sum(i.points for i in w.items) == 100
    assert w.band(100).startswith("优秀") and w.band(80).startswith("良好") and w.band(0).startswith("不合格")
    assert w.band(90).startswith("优秀") and w.band(89).startswith("良好")
    assert w.band(79).startswith("合格") and w.band(69).startswith("不合格")


def test_bad_weights_name_the_field(tmp_path):
    bad = tmp_path / "w.toml"
    bad.write_text('bands=[{min=0,name="x"}]\n[[items]]\nid="guides"\ntitle="t"\npoints=50\nkind="auto"\n', "utf-8")
    with pytest.raises(WeightsError, match="合计必须是 100"):
        load_weights(bad)
    bad.write_text('[[items]]\nid="nope"\ntitle="t"\npoints=100\nkind="auto"\n', "utf-8")
    with pytest.raises(WeightsError, match=r"items\[0\]\.id"):
        load_weights(bad)


def test_full_facts_score_100_and_each_gap_costs_its_item():
    w = load_weights()
    report = score(full_facts(), w)
    assert report.score == 100 and all(r.points == r.max for r in report.items)
    lost = score(replace(full_facts(), sample_texts=("B2 办理契税征缴事项 · 收费标准",)), w)
    guides = next(r for r in lost.items if r.id == "guides")
    assert guides.points == 0 and "B2 办理契税征缴事项 · 收费标准" in guides.why and lost.score == 80
    unknown = replace(full_facts(), devices_seen=None, unknown={"devices": "devices 表缺少 last_seen 列"})
    dev = next(r for r in score(unknown, w).items if r.id == "devices")
    assert dev.points == 0 and "last_seen" in dev.why
    no_note = replace(full_facts(), checks={**full_facts().checks, "hall": Check(True, "")})
    hall = next(r for r in score(no_note, w).items if r.id == "hall")
    assert hall.points == 0 and "依据" in hall.why


def test_the_sample_center_scores_below_90_naming_its_sample_texts(tmp_path):
    db = tmp_path / "queue.db"
    out = subprocess.run(
        [sys.executable, "-m", "queue_server", "inspect", "--db", str(db), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["score"] < 90
    assert set(report) == {"score", "band", "items"}
    assert all(set(i) == {"id", "title", "points", "max", "why"} for i in report["items"])
    guides = next(i for i in report["items"] if i["id"] == "guides")
    assert guides["points"] == 0
    first = all_samples(load_center())[0].where
    assert "示例文字" in guides["why"] and first in guides["why"]
    text = subprocess.run(
        [sys.executable, "-m", "queue_server", "inspect", "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert text.returncode == 0 and f"自查得分：{report['score']} 分" in text.stdout


def filled_center(dest: Path) -> Path:
    """The sample center with every sample replaced and the nine systems published."""
    text = SAMPLE_CENTER.read_text(encoding="utf-8")
    text = text.replace("（示例）请填写本事项的法律法规及政策依据。", "《中华人民共和国行政许可法》")
    text = re.sub(r"（示例）|示例", "", text).replace("sample = true", "sample = false")
    systems = "、".join(SYSTEMS)
    text = text.replace("[[windows]]", f'[[notices]]\ntext = "本中心实行{systems}。"\n\n[[windows]]', 1)
    dest.write_text(text, encoding="utf-8")
    assert all_samples(load_center(dest)) == []
    return dest


async def fill_database(db: Path, center) -> None:
    """What a center that does everything leaves behind: the manager console's columns and
    rows (work cards, device last_seen, a backup), a duty rota and a served ledger (the
    test then has one service rated for real)."""
    con = sqlite3.connect(db)
    cols = {r[1] for r in con.execute("PRAGMA table_info(clerks)")}
    for col, decl in (("post", "TEXT NOT NULL DEFAULT ''"), ("phone", "TEXT NOT NULL DEFAULT ''"), ("photo", "BLOB")):
        if col not in cols:
            con.execute(f"ALTER TABLE clerks ADD COLUMN {col} {decl}")
    if "last_seen" not in {r[1] for r in con.execute("PRAGMA table_info(devices)")}:
        con.execute("ALTER TABLE devices ADD COLUMN last_seen TEXT")
    con.execute("UPDATE clerks SET post = '科员', phone = '0731-1234 5678', photo = x'89504e47'")
    con.execute(
        "INSERT INTO devices (kind, name, token_hash, created_at, last_seen) VALUES ('display', '显示屏', 'h1', ?, ?)",
        (NOW.isoformat(), (NOW - dt.timedelta(minutes=5)).isoformat()),
    )
    con.execute("UPDATE devices SET last_seen = ? WHERE kind = 'kiosk'", ((NOW - dt.timedelta(minutes=2)).isoformat(),))
    today = NOW.date()
    for n in range(14):
        con.execute(  # the manager console's rota table (migration 8): staff is a JSON list of clerk ids
            "INSERT INTO duty_rota (day, staff) VALUES (?, '[1]')", ((today + dt.timedelta(days=n)).isoformat(),)
        )
    for n in range(1, 29):
        day = today - dt.timedelta(days=n)
        if day.isoweekday() in center.office.days:
            con.execute(
                "INSERT INTO tickets (day, category, seq, number, status, token, issued_at, queue_key, finished_at) "
                "VALUES (?, 'A', 1, 'A001', 'done', ?, ?, 1, ?)",
                (day.isoformat(), f"t{n}", f"{day}T01:00:00+00:00", f"{day}T01:10:00+00:00"),
            )
    con.commit()
    con.close()
    (db.parent / "backups").mkdir()
    backup = db.parent / "backups" / "daily.db"
    backup.write_bytes(b"")
    stamp = (NOW - dt.timedelta(hours=3)).timestamp()
    os.utime(backup, (stamp, stamp))


async def test_a_fully_filled_center_scores_100_via_api_and_page(tmp_path, aiohttp_client):
    config = filled_center(tmp_path / "center.toml")
    center = load_center(config)
    db = tmp_path / "queue.db"
    store = await Store.open(db)
    accounts = Accounts(store)
    await accounts.add_clerk("boss", "主任", [], PASSWORD, "manager")
    await accounts.add_clerk("w1", "窗口一", [1], PASSWORD)
    _, kiosk = await accounts.add_device("kiosk", "取号机")
    await store.close()
    await fill_database(db, center)
    store = await Store.open(db)
    settings = Settings(db=db, config=config, always_open=True)
    client = await aiohttp_client(create_app(settings, store, clock=lambda: NOW))
    try:
        # 考评机制 counts residents' ratings: serve one ticket and rate it from its QR page.
        r = await client.post("/api/tickets", json={"category": "A"}, headers={"Authorization": f"Bearer {kiosk}"})
        token = (await r.json())["token"]
        await client.post("/api/login", json={"login": "w1", "password": PASSWORD})
        assert (await client.post("/api/windows/1/call", json={})).status == 200
        assert (await client.post("/api/windows/1/finish", json={"outcome": "instant"})).status == 200
        await client.post("/api/logout")
        assert (await client.post(f"/api/tickets/{token}/rating", json={"level": "satisfied"})).status == 201
        assert (await client.get("/api/inspection")).status == 401
        await client.post("/api/login", json={"login": "w1", "password": PASSWORD})
        r = await client.get("/api/inspection")
        assert r.status == 403 and (await r.json())["error"]["code"] == "manager_only"
        await client.post("/api/login", json={"login": "boss", "password": PASSWORD})
        before = await (await client.get("/api/inspection")).json()
        assert before["score"] == 80, before  # everything but the manager's four ticks
        r = await client.post("/api/inspection/checks", json={"item": "hall", "done": True, "note": ""})
        assert r.status == 400 and (await r.json())["error"]["code"] == "evidence_required"
        r = await client.post("/api/inspection/checks", json={"item": "guides", "done": True, "note": "x"})
        assert r.status == 400 and (await r.json())["error"]["code"] == "unknown_item"
        for item, note in list(MANUAL.items())[:3]:
            r = await client.post("/api/inspection/checks", json={"item": item, "done": True, "note": note})
            assert r.status == 200
        # A plain form post (what another site could auto-submit) is refused; the page sends JSON.
        r = await client.post("/api/inspection/checks", data={"item": "comfort", "done": "1", "note": "x"})
        assert r.status == 415
        r = await client.post(
            "/api/inspection/checks", json={"item": "comfort", "done": True, "note": MANUAL["comfort"]}
        )
        assert r.status == 200
        report = await (await client.get("/api/inspection")).json()
        assert report["score"] == 100, [i for i in report["items"] if i["points"] < i["max"]]
        assert report["band"].startswith("优秀")
        page = await (await client.get("/manage/inspection")).text()
        assert "100" in page and MANUAL["hall"] in page and "评分表未随方案附发" in page
    finally:
        await store.close()
