"""The board at the sizes halls have: nothing cut, nothing ellipsised, nothing covered.

One real display process per size (GraphicUnitTest pins one window size per process),
fed by the real server. Each size is checked twice: from the widgets (every label's
text fits its box, none shortened, the outage banner clear of 最近叫号) and from a
screenshot read back with tesseract (the call line and both 农村… names, whole).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import ROOT, assert_ocr

pytestmark = pytest.mark.gui
SHOTS = ROOT / "var" / "shots"
SIZES = ["800x600", "1024x768", "1366x768", "1920x1080"]


def overlaps(a: list[int], b: list[int]) -> bool:
    """Two (left, top, right, bottom) boxes share pixels."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("size", SIZES)
async def test_the_board_fits_every_size(server, hall, start_probe, tmp_path, size):
    for category in "CDEA":
        await hall.issue(category)
    probe = await start_probe(server.url, size)
    await probe.wait_for(lambda r: r["kind"] == "online" and r["online"])
    await hall.call(2)  # B is empty: D001 at window 2, then C001 at window 1 is the big line
    await hall.call(1)
    await probe.wait_for(lambda r: r["kind"] == "calls" and r["number"] == "C001")
    state = await probe.state()
    assert state["window_size"] == [int(n) for n in size.split("x")]
    assert state["overflow"] == [], state["overflow"]
    assert (state["call_number"], state["call_window"]) == ("C001", "1")
    shot = await probe.shot(tmp_path / f"board_{size}.png")
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, SHOTS / f"display_size_{size}.png")
    assert_ocr(shot, state["call_box"], "请C001号到1号窗口", scales=(1.0, 0.5, 0.75, 1.5))
    # The two names an ellipsis made alike (农村…理 / 农村…疗) are read whole (on one
    # line or two, as a narrow board wraps them).
    for code, name in (("D", "农村经济管理"), ("E", "农村合作医疗")):
        assert_ocr(shot, state["waiting_names"][code], name, psm=6, scales=(2.0, 1.5, 2.5, 1.0, 3.0))

    server.kill()  # the outage banner: shown, and clear of the first 最近叫号 row
    await probe.wait_for(lambda r: r["kind"] == "online" and not r["online"])
    offline = await probe.shot(tmp_path / f"offline_{size}.png")
    state = await probe.state()
    assert state["offline_shown"] and state["overflow"] == [], state["overflow"]
    assert not overlaps(state["banner_box"], state["recent_box"])
    assert not overlaps(state["banner_box"], state["call_box"])
    assert not overlaps(state["banner_box"], state["windows_box"])
    assert_ocr(offline, state["banner_box"], "连接中断", scales=(1.0, 0.8, 1.25, 1.5))
    shutil.copyfile(offline, SHOTS / f"display_offline_{size}.png")


def test_no_display_screen_shortens_text():
    """``shorten`` draws 农村…理: no .kv file of the board asks for it."""
    for kv in (ROOT / "display" / "kv").glob("*.kv"):
        assert "shorten:" not in Path(kv).read_text(encoding="utf-8"), kv
