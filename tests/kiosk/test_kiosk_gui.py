"""The real kiosk app in a real window, driven by touch events, one scenario per process.

Each test runs tests/kiosk/harness.py (real server process, real app, loopback printer)
and checks what it reports, the SQLite database the server wrote, the ESC/POS bytes the
printer received (decoded back to an image, QR read with zxing-cpp) and the screenshots
(the QR on screen read with zxing-cpp too). Screenshots are copied to var/shots/.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import zxingcpp
from escpos_stream import decode  # the printing engineer's ESC/POS decoder (see conftest.py)
from PIL import Image

from bench.devserver import ServerProcess, cli
from bianmin.center import load_center
from tests.kiosk.gui_run import run_harness, step

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "shots"

pytestmark = pytest.mark.gui
CENTER = load_center()
PORTRAIT, LANDSCAPE = "1080x1920", "1920x1080"


def run(scenario: str, tmp_path: Path, size: str = PORTRAIT, timeout: int = 30) -> dict:
    return run_harness(ROOT / "tests" / "kiosk" / "harness.py", scenario, tmp_path, size, timeout, SHOTS)


def tickets(db: Path) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [
            dict(r)
            for r in conn.execute(
                "SELECT number, category, matter, priority, request_id, token, status FROM tickets ORDER BY id"
            )
        ]


def ocr_dark(image: Image.Image, box: list[int], scale: float = 1.0) -> str:
    """tesseract (chi_sim) of dark text on the kiosk's light screen, spaces dropped."""
    crop = image.crop(tuple(box)).convert("L")
    if scale != 1.0:
        crop = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.Resampling.LANCZOS)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "crop.png"
        crop.point(lambda v: 0 if v < 140 else 255).save(path)
        out = subprocess.run(
            ["tesseract", str(path), "-", "-l", "chi_sim", "--psm", "7"], capture_output=True, text=True, timeout=60
        )
    assert out.returncode == 0, out.stderr
    return "".join(out.stdout.split())


def reads(image: Image.Image, box: list[int], text: str, scales: tuple[float, ...]) -> bool:
    """OCR reads ``text`` in ``box`` at one of a few scales (tesseract now and then adds
    or drops a stroke at one scale; a real miss fails at every one)."""
    readings = [ocr_dark(image, box, scale) for scale in scales]
    assert any(text in r for r in readings), (text, readings)
    return True


def qr_on(image: Image.Image) -> list[str]:
    return [c.text for c in zxingcpp.read_barcodes(image) if c.format == zxingcpp.BarcodeFormat.QRCode]


def printed(results: dict) -> list:
    """Each job the loopback printer received, decoded from its ESC/POS bytes."""
    assert not results["printer_errors"]
    return [decode(Path(job["file"]).read_bytes()) for job in results["jobs"]]


def check_home(home: dict, cols: int) -> None:
    """Eight big, legible tiles, inside the window, text not cut."""
    width, height = home["window"]
    assert [t["code"] for t in home["tiles"]] == [c.code for c in CENTER.categories]
    assert [t["name"] for t in home["tiles"]] == [c.name for c in CENTER.categories]
    for tile in home["tiles"]:
        x, y, w, h = tile["rect"]
        assert 0 <= x <= x + w <= width and 0 <= y <= y + h <= height, tile
        assert w >= 400 and h >= 250, tile  # a big touch target
        assert min(tile["font_sizes"]) >= 48, tile  # readable at arm's length
        assert all(tw <= lw + 1 for tw, lw in zip(tile["text_widths"], tile["label_widths"], strict=True)), tile
        assert tile["waiting"].startswith("等候 ")
        for px, py, pw, ph in tile["parts"]:  # the icon and the labels stay inside the tile's edge
            assert x <= px and px + pw <= x + w + 1 and y <= py and py + ph <= y + h + 1, tile
    rows = {t["rect"][1] for t in home["tiles"]}
    assert len(rows) == len(home["tiles"]) // cols  # a grid of `cols` columns


def test_two_taps_issue_and_print_a_ticket_portrait(tmp_path):
    r = run("flow", tmp_path)
    check_home(r["home"], cols=2)
    assert r["fonts"] == ["Bianmin"], "every label on every screen draws with our font"
    home = step(r, "home")
    assert CENTER.name in home["texts"] and "绿色通道" in home["texts"]
    matters = step(r, "matters")
    assert matters["rows"] == [m.name for m in CENTER.category("A").matters] + ["不确定，先取号"]
    assert min(matters["row_font_sizes"]) >= 48
    # One tap-intent, one ticket: the lost reply was retried with the same request_id, and
    # the impatient second tap was ignored.
    assert r["lost_replies"] == 1 and r["posts"] >= 2
    rows = tickets(r["db"])
    assert [(t["number"], t["matter"], t["priority"]) for t in rows] == [("A001", "A1", 0), ("B001", None, 1)]
    assert all(t["request_id"] for t in rows)
    ticket = r["ticket"]
    assert ticket["number"] == "A001" and ticket["token"] == rows[0]["token"]
    texts = step(r, "ticket")["texts"]
    assert "A001" in texts and "前面没有人，请留意叫号" in texts and "请取走下方的小票" in texts
    # The screen shows the same QR code as the ticket: read both back.
    assert qr_on(Image.open(r["shots"]["ticket_portrait"])) == [ticket["guide_url"]]
    assert "请联系工作人员" not in texts and "重新打印" not in texts  # no fault shown
    assert [tuple(p) for p in r["prints"]] == [("A001", "done"), ("B001", "done")]
    jobs = printed(r)
    assert len(jobs) == 2
    assert qr_on(jobs[0].image()) == [ticket["guide_url"]]
    assert jobs[0].cuts == 1 and jobs[0].status_queries
    assert qr_on(jobs[1].image()) == [r["priority_ticket"]["guide_url"]]
    # Home counts the new ticket; the green channel made a priority ticket with no matter.
    assert step(r, "home_after")["waiting"]["A"] == "等候 1 人"
    assert "绿色通道：请选择要办理的业务" in step(r, "priority_home")["texts"]
    assert r["priority_ticket"]["priority"] is True and r["priority_ticket"]["matter"] is None
    assert "绿色通道 · 优先办理" in step(r, "priority_ticket")["texts"]


def test_matters_list_follows_the_pushed_count_in_place(tmp_path):
    live = run("live_matters", tmp_path)["live"]
    assert "等候 0 人" in live["before"] and "等候 1 人" in live["after"], live
    assert live["same_rows"] and live["scroll_y"] == 0 and live["screen"] == "matters", live


def test_landscape_layout_and_idle_timeout(tmp_path):
    r = run("landscape", tmp_path, LANDSCAPE)
    check_home(r["home"], cols=4)
    ticket = r["ticket"]
    assert (ticket["number"], ticket["matter"]) == ("E001", "E1")
    assert qr_on(Image.open(r["shots"]["ticket_landscape"])) == [ticket["guide_url"]]
    assert qr_on(printed(r)[0].image()) == [ticket["guide_url"]]
    # Nobody finished the second choice: the idle timeout (4 s here) took the kiosk home.
    assert 3.9 <= r["idle_return"] <= 12.0, r["idle_return"]  # loose above: a busy CI machine
    assert r["history"][-2:] == ["matters", "home"]


def test_server_unreachable_then_recovering(tmp_path):
    r = run("unreachable", tmp_path)
    down = step(r, "down_at_start")
    assert down["screen"] == "unreachable" and down["attempts"] >= 2
    assert "暂时连不上排队服务器" in down["texts"] and "立即重试" in down["texts"]
    assert step(r, "recovered")["screen"] == "home"
    mid = step(r, "down_mid_issue")
    assert mid["screen"] == "unreachable" and mid["pending"]
    # Back up: the same intent was sent again by itself and made exactly one ticket.
    rows = tickets(r["db"])
    assert [(t["number"], t["matter"], t["request_id"]) for t in rows] == [
        ("C001", CENTER.category("C").matters[1].code, mid["pending"])
    ]
    assert r["ticket"]["number"] == "C001"
    assert qr_on(printed(r)[0].image()) == [r["ticket"]["guide_url"]]


@pytest.mark.parametrize("size", [PORTRAIT, LANDSCAPE])
def test_printer_failure_keeps_the_ticket_and_reprints(tmp_path, size):
    r = run("printer_fail", tmp_path, size)
    orientation = "portrait" if size == PORTRAIT else "landscape"
    failed = step(r, "print_failed")
    assert failed["screen"] == "ticket" and failed["reprint_visible"] and failed["reprint_inside"]
    assert "无法连接网络打印机" in failed["fault"]
    assert "请联系工作人员" in failed["texts"] and "F001" in failed["texts"]
    ticket = r["ticket"]
    # The ticket is valid (in the database, waiting) and its QR is on screen.
    assert [(t["number"], t["status"]) for t in tickets(r["db"])] == [("F001", "waiting")]
    assert qr_on(Image.open(r["shots"][f"fault_printer_{orientation}"])) == [ticket["guide_url"]]
    # Read back from the screenshot: the number and the window that serves it, whole.
    assert failed["windows"] == "请到 3 号窗口办理"
    shot = Image.open(r["shots"][f"fault_printer_{orientation}"])
    assert reads(shot, failed["boxes"]["number"], "F001", scales=(0.4, 0.3, 0.5, 0.25))
    assert reads(shot, failed["boxes"]["windows"], "请到3号窗口办理", scales=(1.0, 0.8, 1.25))
    # The reprint button, once the printer is back, printed it.
    assert step(r, "reprinted")["screen_after"] == "ticket"
    assert [tuple(p) for p in r["prints"]] == [("F001", "failed"), ("F001", "done")]
    assert qr_on(printed(r)[0].image()) == [ticket["guide_url"]]


def test_hung_usb_printer_never_freezes_the_screen(tmp_path):
    """A USB printer whose job write hangs (libusb stuck): the kiosk keeps drawing and
    counting down on screen, then shows the printer fault with the ticket kept."""
    r = run("usb_hang", tmp_path)
    fault = step(r, "usb_fault")
    assert fault["still_hanging"]  # the fault came while the write was still stuck
    assert fault["screen"] == "ticket" and "USB 打印机" in fault["fault"] and "没有响应" in fault["fault"]
    assert "F001" in fault["texts"]
    assert 3.0 < fault["hang_seconds"] < 15  # the write's 3 s timeout and its grace, not the 30 s hang
    # Kivy drew all along: no long frame gap, at least 5 frames a second.
    assert fault["max_frame_gap"] < 2.0, fault["max_frame_gap"]  # a blocked loop: one gap of 3 s or more
    assert fault["frames_during_hang"] >= 5 * fault["hang_seconds"]
    # The on-screen countdown label kept ticking (a new second shown at least thrice).
    assert len(fault["countdowns"]) >= 3, fault["countdowns"]
    assert [(t["number"], t["status"]) for t in tickets(r["db"])] == [("F001", "waiting")]
    assert [tuple(p) for p in r["prints"]] == [("F001", "failed")]
    assert qr_on(Image.open(r["shots"]["fault_usb_hang_portrait"])) == [r["ticket"]["guide_url"]]
    assert step(r, "usb_released")["disposed"]


def test_office_closed_shows_the_duty_phone(tmp_path):
    r = run("closed", tmp_path)
    closed = step(r, "closed")
    assert closed["screen"] == "closed" and closed["phone"] == CENTER.duty_phone
    assert any("不是办公时间" in t for t in closed["texts"])
    assert step(r, "closed_after_tap")["screen"] == "closed"
    assert tickets(r["db"]) == []
    assert "matters" not in r["history"]


def test_api_error_is_a_friendly_screen(tmp_path):
    r = run("bad_token", tmp_path)
    error = step(r, "error")
    assert any("设备令牌无效" in t for t in error["texts"]), error["texts"]
    assert "没有取到号" in error["texts"] and "返回首页" in error["texts"]
    assert step(r, "home_again")["screen"] == "home"
    assert tickets(r["db"]) == []


def test_make_run_command_reaches_home(tmp_path):
    """The launcher's exact command line: ``python -m kiosk --server URL --token T
    --printer preview:var/tickets --windowed`` (here with a temporary preview folder)."""
    db = tmp_path / "queue.db"
    token = cli(db, "add-device", "--kind", "kiosk", "--name", "k")
    server = ServerProcess(db)
    server.start()
    port = server.port
    env = {**os.environ, "KIVY_HOME": str(tmp_path / "kivy_home"), "KIVY_LOG_MODE": "PYTHON"}
    if not env.get("DISPLAY"):
        env["SDL_VIDEODRIVER"] = "offscreen"
    kiosk = None
    try:
        kiosk = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kiosk",
                "--server",
                f"http://127.0.0.1:{port}",
                "--token",
                token,
                "--printer",
                f"preview:{tmp_path / 'tickets'}",
                "--windowed",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        seen = []
        deadline = time.monotonic() + 30
        for line in kiosk.stderr:  # the server may still be starting: the kiosk retries
            seen.append(line)
            if "kiosk ready" in line or time.monotonic() > deadline:
                break
        assert any("kiosk ready: home shown with 8 categories" in line for line in seen), "".join(seen[-30:])
        assert kiosk.poll() is None, "the kiosk keeps running"
    finally:
        if kiosk is not None:
            kiosk.terminate()
            kiosk.communicate(timeout=10)  # also closes the stderr pipe
        server.stop()


def test_paper_low_shows_staff_a_small_mark_and_reports_it(tmp_path):
    r = run("paper_low", tmp_path)
    before = next(s for s in r["steps"] if s["step"] == "home_before")
    assert not before["mark_visible"] and "● 纸少" not in before["texts"]
    after = next(s for s in r["steps"] if s["step"] == "home_paper_low")
    assert after["mark_visible"] and after["mark_text"] == "● 纸少"
    x, y, w, h = after["mark_rect"]
    width, height = after["window"]
    assert x + w <= width + 1 and y + h <= height + 1 and w < width / 5  # small, in the corner
    assert r["health_paper"] == "low"  # and the manager's device list hears of it
    assert [tuple(p) for p in r["prints"]] == [("A001", "done")]  # the ticket still printed
    assert not any("纸" in t and t != "● 纸少" for t in after["texts"])  # no alarm for residents
