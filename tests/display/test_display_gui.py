"""The real display app in a real window (Xvfb), fed by the real server process.

Each test runs ``python -m bench.display_probe`` as its own process (one Kivy window per
process), drives the hall over HTTP and reads the screen back: from the widgets and
from a screenshot read with tesseract. Screenshots are also copied to var/shots/.
"""

import asyncio
import itertools
import json
import shutil

import pytest

from bianmin import wavs

from .conftest import ROOT, assert_ocr

pytestmark = pytest.mark.gui
SHOTS = ROOT / "var" / "shots"


def keep_shot(path, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, SHOTS / name)


def calls_report(number, window):
    return lambda r: r["kind"] == "calls" and r["number"] == number and r["window"] == window


async def test_calls_shown_flashed_and_announced_in_order_1280(server, hall, start_probe, tmp_path):
    for category in "AABE":
        await hall.issue(category)
    probe = await start_probe(server.url, "1280x720")
    await probe.wait_for(lambda r: r["kind"] == "online" and r["online"])

    ticket, _ = await hall.call(1)
    report = await probe.wait_for(calls_report("A001", "1"))
    assert ticket["number"] == "A001" and report["flash"] is True
    state = await probe.state()
    assert (state["call_number"], state["call_window"]) == ("A001", "1")
    assert state["windows"][0] == {
        "number": "1",
        "name": "计生 · 民政窗口",
        "ticket": "A001",
        "status": "已叫号",
        "paused": False,
    }
    assert state["waiting"]["A"] == "1" and state["waiting"]["B"] == "1"
    shot = await probe.shot(tmp_path / "call.png")
    assert_ocr(shot, state["call_box"], "请A001号到1号窗口")

    # Two more calls in quick succession, then a recall and a paused window.
    await hall.call(2)
    await hall.call(3)
    await hall.act(2, "recall")
    await hall.act(4, "pause")
    await probe.wait_for(lambda r: r["kind"] == "played" and len(probe.of("played")) == 4, timeout=30)
    played = probe.of("played")
    assert [p["label"] for p in played] == [
        "请A零零一号到1号窗口办理",
        "请B零零一号到2号窗口办理",
        "请E零零一号到3号窗口办理",
        "请B零零一号到2号窗口办理",
    ]
    for first, second in itertools.pairwise(played):
        assert first["end"] <= second["start"], "announcements overlap"
    audio = wavs.read(played[0]["kept"])
    assert 8 < audio.duration < 16 and audio.rms() > 0.05  # chime + the sentence twice

    state = await probe.state()
    assert (state["call_number"], state["call_window"]) == ("B001", "2")
    assert state["recent"][:2] == [
        {"number": "E001", "window": "3", "recall": False},
        {"number": "B001", "window": "2", "recall": False},
    ]
    assert state["windows"][3]["status"] == "暂停服务" and state["windows"][3]["paused"]
    # The recall is the big line, titled 再次呼叫; the list holds the calls before it.
    assert state["call_recall"] and "再次呼叫" in state["all_texts"]
    assert "重呼" not in state["all_texts"]
    shot = await probe.shot(tmp_path / "display_1280.png")
    assert_ocr(shot, state["call_box"], "请B001号到2号窗口")
    # In the smaller table font tesseract sometimes reads 0 as O.
    assert_ocr(
        shot,
        state["windows_box"],
        "A001",
        "B001",
        "E001",
        "已叫号",
        "暂停服务",
        "民政窗口",
        psm=6,
        scales=(1.0, 0.8, 1.25),
        fold_o=True,
    )
    keep_shot(shot, "display_1280.png")


async def test_board_at_1920(server, hall, start_probe, tmp_path):
    await hall.issue("G")
    await hall.issue("H")
    await hall.issue("C")
    probe = await start_probe(server.url, "1920x1080")
    await probe.wait_for(lambda r: r["kind"] == "online" and r["online"])
    await hall.call(4)
    await hall.act(2, "pause")
    await probe.wait_for(calls_report("G001", "4"))
    await probe.wait_for(lambda r: r["kind"] == "played")
    state = await probe.state()
    assert state["window_size"] == [1920, 1080]
    assert state["center_name"] == "株洲县示范镇便民服务中心"
    assert state["marquee_text"] in state["notices"] and len(state["notices"]) == 4
    assert state["waiting"] == {"A": "0", "B": "0", "C": "1", "D": "0", "E": "0", "F": "0", "G": "0", "H": "1"}
    shot = await probe.shot(tmp_path / "display_1920.png")
    assert_ocr(shot, state["call_box"], "请G001号到4号窗口")
    keep_shot(shot, "display_1920.png")


async def test_server_killed_and_restarted_while_the_display_runs(server, hall, start_probe, tmp_path):
    await hall.issue("A")
    await hall.issue("B")
    probe = await start_probe(server.url, "1280x720", "--backoff", "0.3")
    await probe.wait_for(lambda r: r["kind"] == "online" and r["online"])
    await hall.call(1)
    await probe.wait_for(lambda r: r["kind"] == "played")

    server.kill()
    offline = await probe.wait_for(lambda r: r["kind"] == "online" and not r["online"])
    shot = await probe.shot(tmp_path / "offline.png")
    state = await probe.state()  # after that frame, so the banner has its place
    assert state["offline"] and state["offline_shown"]
    assert state["call_number"] == "A001"  # the last known state stays up meanwhile
    assert_ocr(shot, state["banner_box"], "连接中断", scales=(1.0, 0.8, 1.25))
    keep_shot(shot, "display_offline_1280.png")

    mark = len(probe.reports)
    server.start()
    await probe.wait_for(lambda r: r["kind"] == "online" and r["online"], timeout=20, start=mark)
    state = await probe.state()
    assert not state["offline"] and not state["offline_shown"]
    assert state["connects"] == 2
    assert (state["call_number"], state["call_window"]) == ("A001", "1")
    # Nothing old is flashed or said again after the resync.
    assert not any(r["flash"] for r in probe.reports[mark:] if r["kind"] == "calls")
    assert len(probe.of("played")) == 1

    await hall.call(2)  # the hall goes on: the next call is shown and said
    report = await probe.wait_for(calls_report("B001", "2"), start=mark)
    assert report["flash"] and report["t"] > offline["t"]
    await probe.wait_for(lambda r: r["kind"] == "played" and "B零零一" in r["label"])
    shot = await probe.shot(tmp_path / "recovered.png")
    assert_ocr(shot, (await probe.state())["call_box"], "请B001号到2号窗口")


async def test_an_idle_board_draws_no_frames(server, start_probe):
    """Nothing changes, nothing is drawn: no animation or clock redraws the window."""
    probe = await start_probe(server.url, "1280x720", "--marquee-hold", "600")
    await probe.wait_for(lambda r: r["kind"] == "online" and r["online"])
    await asyncio.sleep(1.5)  # the first notice has slid in; the board is now still

    async def frames() -> int:
        start = len(probe.reports)
        await probe.send("frames")
        return (await probe.wait_for(lambda r: r["kind"] == "frames", start=start))["count"]

    before = await frames()
    await asyncio.sleep(3)
    drawn = await frames() - before
    state = await probe.state()
    assert not state["marquee_moving"]
    assert drawn <= 1, f"{drawn} frames drawn while idle"  # 1: the clock's minute may turn


async def test_a_long_notice_is_shown_in_pages_that_fit(server, start_probe):
    """A notice wider than the bar is cut into pages, each standing still (no scrolling
    frames), at punctuation where one is near; the pages together are the notice."""
    probe = await start_probe(server.url, "1280x720", "--marquee-hold", "0.4")
    await probe.wait_for(lambda r: r["kind"] == "online" and r["online"])
    long = "请带齐身份证件，按号排队等候，听到叫号请到窗口，办理完毕请您评价，" * 4
    await probe.send("notices " + json.dumps([long, "节假日请拨打值班电话"]))
    await probe.wait_for(lambda r: r["kind"] == "notices")
    seen: set[str] = set()
    for _ in range(60):
        state = await probe.state()
        pages = state["marquee_pages"]
        assert not state["marquee_moving"]
        assert state["marquee_text_width"] <= state["marquee_bar_width"]
        seen.add(state["marquee_text"])
        if seen >= set(pages):
            break
        await asyncio.sleep(0.1)
    assert len(pages) >= 4 and pages[-1] == "节假日请拨打值班电话"
    assert "".join(pages[:-1]) == long
    assert all(p.endswith("，") for p in pages[:-1]), pages  # cut after punctuation where near
    assert seen >= set(pages), (seen, pages)
