"""The manager's API in-process over a real SQLite file: roles, staff, devices, settings."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from queue_server.accounts import Accounts
from queue_server.app import create_app
from queue_server.settings import Settings
from queue_server.store import Store

PASSWORD = "pass-12345"
TOML = {"Content-Type": "application/toml"}


@pytest.fixture
async def hall(tmp_path, aiohttp_client):
    store = await Store.open(tmp_path / "queue.db")
    accounts = Accounts(store)
    _, kiosk = await accounts.add_device("kiosk", "取号机")
    await accounts.add_clerk("boss", "刘主任", [], PASSWORD, role="manager")
    await accounts.add_clerk("w1", "窗口一", [1], PASSWORD)
    settings = Settings(db=tmp_path / "queue.db", always_open=True)
    client = await aiohttp_client(create_app(settings, store))
    client.kiosk = {"Authorization": f"Bearer {kiosk}"}
    yield client
    await store.close()


async def login(client, who: str, password: str = PASSWORD) -> None:
    r = await client.post("/api/login", json={"login": who, "password": password})
    assert r.status == 200, await r.text()


async def test_a_clerk_is_refused_every_manager_route(hall):
    await login(hall, "w1")
    for method, path in [
        ("GET", "/api/staff"),
        ("POST", "/api/staff"),
        ("PATCH", "/api/staff/w1"),
        ("GET", "/api/devices"),
        ("POST", "/api/devices"),
        ("POST", "/api/devices/1/revoke"),
        ("GET", "/api/config"),
        ("PUT", "/api/config"),
        ("GET", "/api/config/versions"),
        ("GET", "/api/audit"),
        ("GET", "/api/backup"),
        ("POST", "/api/demo/remove"),
    ]:
        r = await hall.request(method, path, json={})
        assert r.status == 403, (method, path, r.status)
        assert (await r.json())["error"]["code"] == "manager_only"


async def test_windows_are_checked_against_the_center(hall):
    await login(hall, "boss")
    r = await hall.post("/api/staff", json={"login": "w9", "name": "九", "password": PASSWORD, "windows": [9]})
    assert r.status == 400
    err = (await r.json())["error"]
    assert err["field"] == "windows" and "9" in err["message"]
    r = await hall.patch("/api/staff/w1", json={"windows": [1, 5]})
    assert r.status == 400 and (await r.json())["error"]["field"] == "windows"
    r = await hall.patch("/api/staff/w1", json={"role": "king"})
    assert r.status == 400 and (await r.json())["error"]["field"] == "role"


async def test_disabling_and_window_changes_count_on_the_next_request(hall, aiohttp_client):
    manager = hall
    await login(manager, "boss")
    clerk = await aiohttp_client(hall.server)
    await login(clerk, "w1")
    r = await clerk.post("/api/tickets", json={"category": "A"}, headers=hall.kiosk)
    assert r.status == 201
    assert (await clerk.post("/api/windows/1/call")).status == 200
    # Windows changed: window 1 is refused at once, window 2 allowed.
    assert (await manager.patch("/api/staff/w1", json={"windows": [2]})).status == 200
    assert (await clerk.post("/api/windows/1/recall")).status == 403
    assert (await clerk.get("/api/me")).status == 200
    # Disabled: the very next request is refused, and logging in again too.
    assert (await manager.patch("/api/staff/w1", json={"active": False})).status == 200
    r = await clerk.post("/api/windows/2/call")
    assert r.status == 401
    r = await clerk.post("/api/login", json={"login": "w1", "password": PASSWORD})
    assert r.status == 401
    # Re-enabled with a new password: the old one no longer works.
    assert (await manager.patch("/api/staff/w1", json={"active": True, "password": "new-pass-99"})).status == 200
    assert (await clerk.post("/api/login", json={"login": "w1", "password": PASSWORD})).status == 401
    await login(clerk, "w1", "new-pass-99")
    # The manager cannot lock themselves out.
    r = await manager.patch("/api/staff/boss", json={"active": False})
    assert r.status == 400
    audit = await (await manager.get("/api/audit")).json()
    edits = [a for a in audit if a["action"] == "staff_edited" and a["target"] == "w1"]
    assert edits[-1]["before"]["windows"] == [1] and edits[-1]["after"]["windows"] == [2]
    assert edits[0]["after"]["password"] == "（已重置）" and "pw_hash" not in str(audit)


async def test_a_revoked_device_is_refused_on_its_next_request(hall):
    await login(hall, "boss")
    r = await hall.post("/api/devices", json={"kind": "kiosk", "name": "二号取号机"})
    assert r.status == 201
    made = await r.json()
    assert made["token"] and made["qr_modules"] and all(isinstance(x, bool) for x in made["qr_modules"][0])
    headers = {"Authorization": f"Bearer {made['token']}"}
    assert (await hall.post("/api/tickets", json={"category": "A"}, headers=headers)).status == 201
    assert (await hall.post(f"/api/devices/{made['id']}/revoke")).status == 200
    r = await hall.post("/api/tickets", json={"category": "A"}, headers=headers)
    assert r.status == 401
    devices = await (await hall.get("/api/devices")).json()
    assert [(d["name"], d["revoked"]) for d in devices] == [("取号机", False), ("二号取号机", True)]
    r = await hall.post("/api/devices", json={"kind": "toaster", "name": "x"})
    assert r.status == 400 and (await r.json())["error"]["field"] == "kind"


async def test_devices_list_their_address_and_health(hall):
    report = {"version": "kiosk 1.4", "printer": "ok", "paper": "low", "audio": "none", "last_error": "卡纸"}
    assert (await hall.post("/api/devices/health", json=report, headers=hall.kiosk)).status == 200
    await login(hall, "boss")
    [kiosk] = await (await hall.get("/api/devices")).json()
    assert kiosk["address"] == "127.0.0.1" and kiosk["last_seen"]
    assert kiosk["health"]["paper"] == "low" and kiosk["health"]["last_error"] == "卡纸"


async def test_device_requests_are_recorded_at_most_once_a_minute(tmp_path):
    store = await Store.open(tmp_path / "queue.db")
    try:
        accounts = Accounts(store)
        device, token = await accounts.add_device("kiosk", "取号机")
        seen = "SELECT last_seen, last_address FROM devices WHERE id = ?"
        assert tuple(await store.fetchone(seen, (device.id,))) == (None, None)
        await accounts.device(token, "kiosk", "10.0.0.5")
        first = await store.fetchone(seen, (device.id,))
        assert first["last_address"] == "10.0.0.5" and first["last_seen"]
        await store.write(lambda db: db.execute("UPDATE devices SET last_seen = NULL"))
        await accounts.device(token, "kiosk", "10.0.0.5")  # within the minute: not written
        assert (await store.fetchone(seen, (device.id,)))["last_seen"] is None
        await accounts.device(token, "kiosk", "10.0.0.6")  # moved: written at once
        assert (await store.fetchone(seen, (device.id,)))["last_address"] == "10.0.0.6"
        await accounts.device(token, "kiosk")  # without an address nothing is recorded
    finally:
        await store.close()


async def test_settings_save_live_as_a_version_and_restore(hall):
    await login(hall, "boss")
    config = await (await hall.get("/api/config")).json()
    assert config["center"]["name"] == "株洲县示范镇便民服务中心"
    config["notices"][0]["text"] = "今天下午停电，暂停办理。"
    config["windows"][0]["name"] = "民政窗口"
    r = await hall.put("/api/config", json=config)
    assert r.status == 200, await r.text()
    fields = [c["field"] for c in (await r.json())["changes"]]
    assert fields == ["notices[0].text", "windows[0].name"]
    center = await (await hall.get("/api/center")).json()
    assert center["notices"][0] == "今天下午停电，暂停办理。"
    snap = await (await hall.get("/api/snapshot")).json()
    assert snap["windows"][0]["name"] == "民政窗口"

    config["office"]["close"] = "07:00"
    r = await hall.put("/api/config", json=config)
    assert r.status == 400
    err = (await r.json())["error"]
    assert err["field"] == "office.close" and "office.close" in err["message"]

    versions = await (await hall.get("/api/config/versions")).json()
    assert len(versions) == 1 and versions[0]["actor"] == "boss"
    config["office"]["close"] = "17:30"
    config["notices"][0]["text"] = "第二版"
    assert (await hall.put("/api/config", json=config)).status == 200
    r = await hall.post(f"/api/config/versions/{versions[0]['id']}/restore")
    assert r.status == 200
    center = await (await hall.get("/api/center")).json()
    assert center["notices"][0] == "今天下午停电，暂停办理。"
    assert len(await (await hall.get("/api/config/versions")).json()) == 3


async def test_toml_export_imports_back(hall):
    await login(hall, "boss")
    r = await hall.get("/api/config/export")
    assert r.status == 200
    text = await r.text()
    assert "[center]" in text
    text = text.replace("株洲县示范镇便民服务中心", "新名字便民服务中心")
    r = await hall.post("/api/config/import", data=text.encode(), headers=TOML)
    assert r.status == 200, await r.text()
    assert (await (await hall.get("/api/center")).json())["name"] == "新名字便民服务中心"
    r = await hall.post("/api/config/import", data=b"[center\nname=", headers=TOML)
    assert r.status == 400 and (await r.json())["error"]["code"] == "bad_toml"


async def test_a_category_in_use_cannot_be_removed(hall):
    await login(hall, "boss")
    assert (await hall.post("/api/tickets", json={"category": "H"}, headers=hall.kiosk)).status == 201
    config = await (await hall.get("/api/config")).json()
    config["categories"] = [c for c in config["categories"] if c["code"] != "H"]
    config["windows"][3]["categories"] = ["G"]
    r = await hall.put("/api/config", json=config)
    assert r.status == 400 and (await r.json())["error"]["field"] == "categories"


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 90, 160)).save(out, "PNG")
    return out.getvalue()


async def test_work_card_photo_and_snapshot_card(hall, aiohttp_client):
    await login(hall, "boss")
    assert (await hall.patch("/api/staff/w1", json={"post": "民政专干"})).status == 200
    r = await hall.post("/api/staff/w1/photo", data=b"GIF89a not really")
    assert r.status == 400 and (await r.json())["error"]["field"] == "photo"
    r = await hall.post("/api/staff/w1/photo", data=png(1200, 900))
    assert r.status == 200, await r.text()
    url = (await r.json())["photo_url"]
    photo = await (await hall.get(url)).read()
    with Image.open(io.BytesIO(photo)) as img:
        assert (img.format, img.size) == ("JPEG", (300, 400))
        assert not img.info.get("exif")

    snap = await (await hall.get("/api/snapshot")).json()
    assert snap["windows"][0]["card"] is None  # nobody signed in at window 1 yet
    clerk = await aiohttp_client(hall.server)
    await login(clerk, "w1")
    await clerk.post("/api/tickets", json={"category": "A"}, headers=hall.kiosk)
    assert (await clerk.post("/api/windows/1/call")).status == 200
    snap = await (await hall.get("/api/snapshot")).json()
    assert snap["windows"][0]["card"] == {"name": "窗口一", "post": "民政专干", "photo_url": url}


async def test_duty_rota_shows_on_the_center_and_guide_pages(tmp_path, aiohttp_client):
    import datetime as dt
    from zoneinfo import ZoneInfo

    tuesday = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # not an office day
    store = await Store.open(tmp_path / "queue.db")
    accounts = Accounts(store)
    await accounts.add_clerk("boss", "刘主任", [], PASSWORD, role="manager")
    await accounts.add_clerk("w1", "窗口一", [1], PASSWORD)
    client = await aiohttp_client(create_app(Settings(db=tmp_path / "queue.db"), store, clock=lambda: tuesday))
    try:
        await login(client, "boss")
        assert (await client.patch("/api/staff/w1", json={"phone": "138 0000 0001"})).status == 200
        assert (await (await client.get("/api/center")).json())["duty"] is None
        rota = await (await client.get("/api/duty?month=2026-12")).json()
        days = [d["day"] for d in rota["days"]]
        assert days[:4] == ["2026-12-01", "2026-12-03", "2026-12-08", "2026-12-10"]  # Tue/Thu only
        r = await client.put("/api/duty/2026-12-02", json={"staff": ["w1"]})  # Wednesday: an office day
        assert r.status == 400 and (await r.json())["error"]["field"] == "day"
        r = await client.put("/api/duty/2026-12-01", json={"staff": ["nobody"]})
        assert r.status == 400 and (await r.json())["error"]["field"] == "staff"
        r = await client.put("/api/duty/2026-12-01", json={"staff": ["w1"], "leader": "boss"})
        assert r.status == 200
        duty = (await (await client.get("/api/center")).json())["duty"]
        assert duty == {
            "day": "2026-12-01",
            "staff": [{"name": "窗口一", "post": "", "phone": "138 0000 0001"}],
            "leader": {"name": "刘主任", "post": "", "phone": ""},
        }
        page = await (await client.get("/g/A1")).text()
        assert "今日值班：窗口一 138 0000 0001" in page and "带班领导：刘主任" in page
        rota = await (await client.get("/api/duty?month=2026-12")).json()
        assert rota["days"][0] == {"day": "2026-12-01", "weekday": 2, "staff": ["w1"], "leader": "boss", "windows": [4]}
    finally:
        await store.close()


async def test_attendance_sheet_from_sign_in_sign_out_and_pauses(hall, aiohttp_client):
    clerk = await aiohttp_client(hall.server)
    await login(clerk, "w1")
    for _ in range(2):
        await clerk.post("/api/tickets", json={"category": "A"}, headers=hall.kiosk)
    assert (await clerk.post("/api/windows/1/call")).status == 200
    assert (await clerk.post("/api/windows/1/no-show")).status == 200
    for bad in ("长" * 101, 123):
        r = await clerk.post("/api/windows/1/pause", json={"reason": bad})
        assert r.status == 400 and (await r.json())["error"]["field"] == "reason"
    assert (await clerk.post("/api/windows/1/pause", json={"reason": "会议"})).status == 200
    assert (await clerk.post("/api/windows/1/resume")).status == 200
    assert (await clerk.post("/api/windows/1/pause")).status == 200  # the reason is optional
    assert (await clerk.post("/api/windows/1/resume")).status == 200
    assert (await clerk.post("/api/windows/1/call")).status == 200
    await login(hall, "boss")
    sheet = await (await hall.get("/api/attendance")).json()
    rows = [r for r in sheet["rows"] if r["login"] == "w1"]
    assert len(rows) == 1
    row = rows[0]
    assert row["tickets"] == 2 and row["windows"] == [1] and row["pauses"] == 2
    assert row["pause_reasons"] == ["会议 0 分钟", "未填原因 0 分钟"]
    assert row["sign_in"] <= row["sign_out"]
    r = await hall.get(f"/api/attendance.csv?month={sheet['month']}")
    text = (await r.read()).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("登录名,姓名,日期,签到,签退")
    assert "w1,窗口一" in text and "会议 0 分钟；未填原因 0 分钟" in text
    assert (await hall.get("/api/attendance?month=2026-13")).status == 400


async def test_a_password_reset_lifts_the_login_lock(hall):
    import time

    from queue_server.keys import ACCOUNTS

    limiter = hall.server.app[ACCOUNTS].limiter
    for _ in range(5):
        r = await hall.post("/api/login", json={"login": "w1", "password": "wrong-password"})
        assert r.status == 401
    assert limiter.retry_after("w1@127.0.0.1", time.monotonic()) > 0
    hall.server.app[ACCOUNTS].address_limiter.reset("127.0.0.1")  # the manager logs in from the same address
    await login(hall, "boss")
    assert (await hall.patch("/api/staff/w1", json={"password": "fresh-pass-1"})).status == 200
    assert limiter.retry_after("w1@127.0.0.1", time.monotonic()) == 0


async def test_calendar_dates_round_trip_through_the_console(hall):
    """TOML date literals in [calendar] reach the form as ISO strings and save back."""
    await login(hall, "boss")
    text = await (await hall.get("/api/config/export")).text()
    text = text.replace("holidays = []", "holidays = [2026-12-28]", 1)
    assert "2026-12-28" in text
    r = await hall.post("/api/config/import", data=text.encode(), headers=TOML)
    assert r.status == 200, await r.text()
    config = await (await hall.get("/api/config")).json()
    assert config["calendar"]["holidays"] == ["2026-12-28"]
    config["calendar"]["workdays"] = ["2026-12-26"]
    r = await hall.put("/api/config", json=config)
    assert r.status == 200, await r.text()
    config["calendar"]["workdays"] = ["2026-13-01"]
    r = await hall.put("/api/config", json=config)
    assert r.status == 400 and (await r.json())["error"]["field"] == "calendar.workdays[0]"
