"""The kiosk and the board fill the screen of an X server that has no window manager.

Each app runs as its own process on its own Xvfb (only our app, as on a hall PC), and
the X server itself says where the window is and how big (``xwininfo``), not Kivy.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.displayutil import start_xvfb, stop_all

pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(not shutil.which("Xvfb") or not shutil.which("xwininfo"), reason="needs Xvfb and xwininfo"),
]
ROOT = Path(__file__).resolve().parents[2]
GEOMETRY = re.compile(r'^\s+0x[0-9a-f]+ "(?P<title>[^"]*)".*?(?P<w>\d+)x(?P<h>\d+)\+(?P<x>-?\d+)\+(?P<y>-?\d+)', re.M)


def windows(env: dict) -> dict[str, tuple[int, int, int, int]]:
    """Title -> (x, y, width, height) of each top-level window on the X server."""
    out = subprocess.run(["xwininfo", "-root", "-children"], env=env, capture_output=True, text=True, timeout=10)
    return {m["title"]: (int(m["x"]), int(m["y"]), int(m["w"]), int(m["h"])) for m in GEOMETRY.finditer(out.stdout)}


def geometry_of(screen: str, title: str, command: list[str], tmp_path: Path) -> tuple[int, int, int, int]:
    """Start ``command`` alone on a ``screen``-sized Xvfb; the geometry of its window ``title``."""
    xvfb, display = start_xvfb(screen)
    procs = [xvfb]
    env = dict(
        os.environ,
        DISPLAY=display,
        KIVY_NO_ARGS="1",
        SDL_AUDIODRIVER="dummy",
        KIVY_HOME=str(tmp_path / "kivy"),
        KIVY_LOG_MODE="PYTHON",
    )
    env.pop("SDL_VIDEODRIVER", None)
    log = tmp_path / "app.log"
    try:
        with log.open("w") as out:
            procs.append(subprocess.Popen([sys.executable, *command], cwd=ROOT, env=env, stdout=out, stderr=out))
        deadline = time.monotonic() + 40
        seen: dict = {}
        while time.monotonic() < deadline and procs[1].poll() is None:
            seen = windows(env)
            if title in seen:
                time.sleep(1.0)  # a window manager-less resize, if any, has happened by now
                return windows(env)[title]
            time.sleep(0.3)
        raise AssertionError(f"no window {title!r}; saw {seen}\n{log.read_text(errors='replace')[-2000:]}")
    finally:
        stop_all(procs)


def test_the_kiosk_fills_a_portrait_screen_without_a_window_manager(tmp_path):
    kiosk = ["-m", "kiosk", "--server", "http://127.0.0.1:9", "--token", "t", "--printer", f"preview:{tmp_path}"]
    assert geometry_of("1080x1920", "便民取号机", kiosk, tmp_path) == (0, 0, 1080, 1920)


def test_the_board_fills_a_landscape_screen_without_a_window_manager(tmp_path):
    board = ["-m", "display", "--server", "http://127.0.0.1:9", "--audio", "none"]
    assert geometry_of("1920x1080", "便民服务中心叫号屏", board, tmp_path) == (0, 0, 1920, 1080)


def test_windowed_apps_open_where_make_run_puts_them(tmp_path):
    kiosk = ["-m", "kiosk", "--server", "http://127.0.0.1:9", "--token", "t", "--printer", f"preview:{tmp_path}"]
    placed = geometry_of(
        "1920x1080", "便民取号机", [*kiosk, "--windowed", "--size", "540x960", "--position", "1200,40"], tmp_path
    )
    assert placed == (1200, 40, 540, 960)
