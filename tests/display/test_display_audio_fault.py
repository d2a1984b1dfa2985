"""No sound card: the board shows 语音故障, keeps retrying, and clears the mark once sound works."""

import asyncio
import json
import sqlite3
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
    server.stop()  # register the display while the server is down
    token = server.cli("add-device", "--kind", "display", "--name", "大厅叫号屏").strip()
    server.start()
    player_cmd = f"{sys.executable} {player}"
    probe = await start_probe(server.url, "1920x1080", "--player", player_cmd, "--audio-retry", "0.5", "--token", token)
    await probe.wait_for(lambda r: r["kind"] == "online" and r["online"])
    state = await probe.state()
    assert state["audio_fault"] == ""
    await hall.call(1)
    for _ in range(100):
        state = await probe.state()
        if state["audio_fault"]:
            break
        await asyncio.sleep(0.1)
    assert state["audio_fault"] == "语音故障"
    shot = await probe.shot(tmp_path / "audio_fault.png")
    state = await probe.state()  # after that frame, so the mark has its place
    keep_shot(shot, "display_audio_fault_1920.png")
    assert_ocr(shot, state["audio_fault_box"], "语音故障", scales=(1.0, 0.8, 1.25))
    # The fault reaches the server (the manager console's device list reads it there).
    for _ in range(100):
        with sqlite3.connect(server.db) as db:
            row = db.execute("SELECT last_health FROM devices WHERE name = ?", ("大厅叫号屏",)).fetchone()
        health = json.loads(row[0]) if row and row[0] else {}
        if health.get("audio") == "fault":
            break
        await asyncio.sleep(0.2)
    assert health["audio"] == "fault" and "cannot find card '0'" in health["last_error"]
    works.touch()  # the card is back: the next retry clears the mark
    for _ in range(100):
        state = await probe.state()
        if not state["audio_fault"]:
            break
        await asyncio.sleep(0.1)
    assert state["audio_fault"] == ""
