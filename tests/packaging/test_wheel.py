"""The wheel alone runs a hall: build it, install it into a fresh venv, run the three parts.

The venv has no system site-packages and nothing on PYTHONPATH, and every command runs
from an empty temporary folder, so the checkout cannot leak in: the sample center, fonts,
icons, voice, kv files and the clerk console must all come from the installed package data.
Slow (about a minute, most of it installing Kivy from the pip cache): marked ``slow``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

from bench.devserver import ROOT, ServerProcess

pytestmark = pytest.mark.slow

# Files the running parts read at start-up: each must be inside the wheel.
PACKAGE_DATA = (
    "bianmin/data/center.toml",
    "bianmin/data/fonts/NotoSansSC-Bianmin-Regular.otf",
    "bianmin/data/fonts/NotoSansSC-Bianmin-Bold.otf",
    "bianmin/data/fonts/OFL.txt",
    "bianmin/data/icons/A.png",
    "bianmin/data/icons/default.png",
    "bianmin/data/voice/chime.wav",
    "display/kv/board.kv",
    "kiosk/screens/home.kv",
    "queue_server/clerk/static/index.html",
    "queue_server/clerk/static/clerk.css",
    "queue_server/clerk/templates/materials.html",
)


def _clean_env(home: Path) -> dict[str, str]:
    """The environment of a hall PC: no PYTHONPATH, no virtualenv of ours, Kivy kept quiet."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "KIVY_LOG_MODE")}
    env.update(KIVY_NO_ARGS="1", KIVY_HOME=str(home / "kivy"), SDL_AUDIODRIVER="dummy", PYTHONUNBUFFERED="1")
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # A copy of the checkout, so no stale build/ folder of an earlier build leaks into the wheel.
    source = out / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".git", ".venv", "var", "build", "*.egg-info", "__pycache__", ".*_cache"),
    )
    # Build isolation fetches the setuptools that pyproject asks for (from the pip cache or PyPI).
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (found,) = out.glob("bianmin-*.whl")
    return found


@pytest.fixture(scope="module")
def hall_pc(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """(python of a fresh venv with the wheel installed, an empty working folder, its env)."""
    base = tmp_path_factory.mktemp("hallpc")
    venv.create(base / "venv", with_pip=True, system_site_packages=False)
    python = base / "venv" / "bin" / "python"
    env = _clean_env(base)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", f"{wheel}[kiosk,display]"],
        check=True,
        capture_output=True,
        env=env,
        timeout=600,
    )
    cwd = base / "cwd"
    cwd.mkdir()
    return python, cwd, env


def test_wheel_holds_the_package_data_and_no_benchmarks(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(PACKAGE_DATA) <= names, sorted(set(PACKAGE_DATA) - names)
    assert not [n for n in names if n.startswith(("bench/", "tests/", "assets/"))]
    assert not [n for n in names if "/bench" in n or n.endswith("probe.py")]


def test_installed_packages_come_from_the_venv(hall_pc):
    python, cwd, env = hall_pc
    out = subprocess.run(
        [str(python), "-c", "import bianmin.assets as a, queue_server, kiosk, display; print(a.DATA_DIR)"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    assert out.startswith(str(python.parent.parent)), out
    assert not out.startswith(str(ROOT))


def test_serve_from_the_wheel(hall_pc):
    python, cwd, env = hall_pc
    with ServerProcess(cwd / "hall.db", "--always-open", python=str(python), cwd=cwd, env=env) as server:
        # The sample center and the clerk console's static files come from package data.
        with urllib.request.urlopen(f"{server.url}/api/center", timeout=5) as r:
            center = json.loads(r.read())
        assert center["name"].endswith("便民服务中心")
        with urllib.request.urlopen(f"{server.url}/clerk/", timeout=5) as r:
            assert "<html" in r.read().decode("utf-8").lower()
        assert server.proc is not None
        server.proc.terminate()
        assert server.proc.wait(15) == 0  # a clean stop
    assert (cwd / "hall.db").is_file()


def test_print_sample_from_the_wheel(hall_pc):
    python, cwd, env = hall_pc
    out = cwd / "tickets"
    done = subprocess.run(
        [str(python), "-m", "kiosk", "print-sample", "--printer", f"preview:{out}"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    (png,) = out.glob("*.png")
    assert png.stat().st_size > 5000  # a drawn ticket, hanzi in the shipped font
    assert "已打印样票" in done.stdout


def _sockets_of(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _connected_to(pid: int, port: int) -> bool:
    """Whether ``pid`` holds an established TCP connection to 127.0.0.1:``port`` (its /ws)."""
    mine = _sockets_of(pid)
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote, state, inode = fields[2], fields[3], fields[9]
        if state == "01" and int(remote.split(":")[1], 16) == port and inode in mine:
            return True
    return False


@pytest.mark.gui
@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs Xvfb (run the suite under xvfb-run)")
def test_display_from_the_wheel_reaches_the_board(hall_pc):
    python, cwd, env = hall_pc
    server = ServerProcess(cwd / "board.db", python=str(python), cwd=cwd, env=env)
    server.start()
    board_log = cwd / "display.log"
    with board_log.open("wb") as log:
        board = subprocess.Popen(
            [
                str(python),
                "-m",
                "display",
                "--server",
                server.url,
                "--windowed",
                "--size",
                "1280x720",
                "--audio",
                "none",
            ],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 40
        while not _connected_to(board.pid, server.port):
            assert board.poll() is None, board_log.read_text(encoding="utf-8", errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the display never connected to the server"
            time.sleep(0.2)
        time.sleep(1.0)  # the board draws the first snapshot
        assert board.poll() is None, board_log.read_text(encoding="utf-8", errors="replace")[-3000:]
        text = board_log.read_text(encoding="utf-8", errors="replace")
        assert "Start application main loop" in text
        assert "Traceback" not in text
    finally:
        board.terminate()
        try:
            board.wait(15)
        except subprocess.TimeoutExpired:
            board.kill()
            board.wait()
        server.stop()
    shutil.rmtree(cwd / "kivy", ignore_errors=True)
