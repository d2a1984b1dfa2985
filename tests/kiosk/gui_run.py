"""Running one kiosk GUI scenario in its own process, for the kiosk's and the appointments'
GUI tests: the harness script gets a fresh KIVY_HOME and (without an X display) SDL's
offscreen driver; its results.json is read back, its screenshots copied to ``shots``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_harness(harness: Path, scenario: str, tmp_path: Path, size: str, timeout: int, shots: Path) -> dict:
    """Run ``harness scenario`` in a window of ``size``; its results, with ``db`` the server's
    SQLite file. Fails on a harness that wrote nothing or reported an error."""
    out = tmp_path / scenario
    env = {
        **os.environ,
        "KIVY_NO_ARGS": "1",
        "SDL_AUDIODRIVER": "dummy",
        "KIVY_HOME": str(tmp_path / "kivy_home"),
        "KIVY_LOG_MODE": "PYTHON",
    }
    if not env.get("DISPLAY"):
        env["SDL_VIDEODRIVER"] = "offscreen"
    args = [sys.executable, str(harness), scenario, "--out", str(out), "--size", size, "--timeout", str(timeout)]
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout + 60)
    results_file = out / "results.json"
    assert results_file.exists(), f"harness wrote no results:\n{proc.stderr[-3000:]}"
    results = json.loads(results_file.read_text(encoding="utf-8"))
    assert results["error"] is None, results["error"] + "\n" + proc.stderr[-3000:]
    shots.mkdir(parents=True, exist_ok=True)
    for name, path in results.get("shots", {}).items():
        shutil.copy(path, shots / f"kiosk_{name}.png")
    results["db"] = out / "queue.db"
    return results


def step(results: dict, name: str) -> dict:
    """The harness's record of the screen ``name``. Every screen it looked at: no text outside
    the window, none on top of another."""
    found = next(s for s in results["steps"] if s["step"] == name)
    assert found["overflow"] == [], (name, found["overflow"])
    return found
