"""The board's big call panel agrees with the window table after no-show, transfer, pause, restart.

Real server process, real display window; the server is driven over HTTP like a clerk.
"""

import pytest

from .conftest import assert_ocr
from .test_display_gui import keep_shot

pytestmark = pytest.mark.gui


def agrees(state: dict) -> bool:
    """The panel names a window whose row shows that ticket, called or served; or nothing."""
    if not state["call_number"]:
        return True
    row = next(r for r in state["windows"] if r["number"] == state["call_window"])
    return row["ticket"] == state["call_number"] and row["status"] in ("已叫号", "办理中") and not row["paused"]


async def panel(probe, number: str, window: str, mark: int) -> dict:
    await probe.wait_for(lambda r: r["kind"] == "calls" and r["number"] == number and r["window"] == window, start=mark)
    state = await probe.state()
    assert (state["call_number"], state["call_window"]) == (number, window)
    assert agrees(state), state
    return state


async def test_panel_follows_no_show_transfer_pause_and_restart(server, hall, start_probe, tmp_path):
    for category in "AAB":
        await hall.issue(category)
    probe = await start_probe(server.url, "1920x1080", "--backoff", "0.3")
    await probe.wait_for(lambda r: r["kind"] == "online" and r["online"])

    await hall.call(1)  # A001 at 1
    await panel(probe, "A001", "1", 0)
    mark = len(probe.reports)
    await hall.act(1, "no-show")
    await panel(probe, "", "", mark)  # window 1 is free: no stale "请 A001 号 到 1 号窗口"

    await hall.call(1)  # A002 at 1
    await panel(probe, "A002", "1", mark)
    await hall.call(2)  # B001 at 2: the newest
    await panel(probe, "B001", "2", mark)
    mark = len(probe.reports)
    await hall.act(2, "transfer", {"to_window": 3})
    state = await panel(probe, "A002", "1", mark)  # the older call window 1 still serves
    assert state["windows"][1]["status"] == "空闲"
    shot = await probe.shot(tmp_path / "after_transfer.png")
    keep_shot(shot, "display_panel_after_transfer_1920.png")
    assert_ocr(shot, state["call_box"], "请A002号到1号窗口")

    mark = len(probe.reports)
    await hall.act(1, "no-show")  # a window pauses only once free (the server's rule)
    await hall.act(1, "pause")
    await probe.wait_for(lambda r: r["kind"] == "calls" and r["number"] == "", start=mark)
    for _ in range(50):  # the pause event follows the no-show's
        state = await probe.state()
        if state["windows"][0]["status"] == "暂停服务":
            break
    assert state["call_number"] == "" and agrees(state)
    assert state["windows"][0]["status"] == "暂停服务"
    shot = await probe.shot(tmp_path / "after_pause.png")
    keep_shot(shot, "display_panel_after_pause_1920.png")
    assert "请A002号" not in "".join(state["call_text"].split())

    # A restart: the snapshot's recent calls include A002, but its window is paused.
    server.kill()
    await probe.wait_for(lambda r: r["kind"] == "online" and not r["online"], start=mark)
    mark = len(probe.reports)
    server.start()
    await probe.wait_for(lambda r: r["kind"] == "online" and r["online"], timeout=20, start=mark)
    state = await probe.state()
    assert state["call_number"] == "" and agrees(state)
    assert state["windows"][0]["status"] == "暂停服务"
