"""No sound card: the board shows 语音故障, keeps retrying, and clears the mark once sound works."""

import sys

import pytest

from .conftest import assert_ocr
from .test_display_gui import keep_shot

pytestmark = pytest.mark.gui


async def test_audio_fault_mark_and_recovery(server, hall, start_probe, tmp_path):
    works = tmp_path / "card-present"
    player = tmp_path / "player.py"  # the hardware edge: aplay without a sound card
    player.write_text(
        "import pathlib, sys\n"
        f"if not pathlib.Path({str(works)!r}).exists():\n"
        "    sys.exit(\"aplay: main:831: audio open error: cannot find card '0'\")\n"
    )
    await hall.issue("A")
    probe = await start_probe(server.url, "1920x1080", "--player", f"{sys.executable} {player}", "--audio-retry", "0.5")
    await probe.wait_for(lambda r: r["kind"] == "online" and r["online"])
    state = await probe.state()
    assert state["audio_fault"] == ""
    await hall.call(1)
    for _ in range(100):
        state = await probe.state()
        if state["audio_fault"]:
            break
    assert state["audio_fault"] == "语音故障"
    shot = await probe.shot(tmp_path / "audio_fault.png")
    state = await probe.state()  # after that frame, so the mark has its place
    keep_shot(shot, "display_audio_fault_1920.png")
    assert_ocr(shot, state["audio_fault_box"], "语音故障", scales=(1.0, 0.8, 1.25))
    works.touch()  # the card is back: the next retry clears the mark
    for _ in range(100):
        state = await probe.state()
        if not state["audio_fault"]:
            break
    assert state["audio_fault"] == ""
