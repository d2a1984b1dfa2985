"""攸县鸾山镇 with 坳上村 and 塅里村 on the hall board: every character drawn by a font that has it."""

import asyncio
from pathlib import Path

import pytest

from bench.devserver import ServerProcess
from bianmin.assets import FONT_REGULAR
from bianmin.fontcover import NOTO_SOURCES, font_cmap
from tests.floor.youxian import NAME, VILLAGES, youxian_config

from .conftest import ocr
from .test_display_gui import keep_shot

pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(not all(p.is_file() for p in NOTO_SOURCES.values()), reason="needs fonts-noto-cjk"),
]


@pytest.fixture
def youxian_server(tmp_path):
    config = youxian_config(tmp_path / "center.toml")
    srv = ServerProcess(tmp_path / "queue.db", "--always-open", "--config", str(config), log=tmp_path / "server.log")
    srv.start()
    yield srv
    srv.stop()


async def test_board_draws_every_character_of_the_center(youxian_server, start_probe, tmp_path):
    var = tmp_path / "display-var"
    probe = await start_probe(youxian_server.url, "1920x1080", "--var", str(var))
    await probe.wait_for(lambda r: r["kind"] == "online" and r["online"])
    for _ in range(150):  # the first start builds the extended subset in a thread
        state = await probe.state()
        fonts = {Path(f) for _t, f in state["drawn"]}
        if fonts and all(f.is_relative_to(var) for f in fonts):
            break
        await asyncio.sleep(0.2)
    assert all(f.is_relative_to(var / "fonts") for f in fonts), fonts
    assert FONT_REGULAR not in fonts
    shown = "".join(t for t, _f in state["drawn"])
    assert NAME in shown and all(v in shown for v in VILLAGES)
    bad = [(c, t) for t, f in state["drawn"] for c in t if c != "\n" and ord(c) not in font_cmap(Path(f))]
    assert not bad
    shot = await probe.shot(tmp_path / "youxian_board.png")
    keep_shot(shot, "display_youxian_1920x1080.png")
    # Tesseract may misread 攸/鸾/塅 even drawn well; the common part of the header must read.
    assert "便民服务中心" in ocr(shot, [0, 0, 1920, 110], scale=0.6)
