"""``make run``'s launcher: demo accounts once on an empty database, then the server."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

from bench.devserver import ROOT, free_port


def _run_launcher(cwd, port):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(BIANMIN_PORT=str(port), PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "queue_server.launcher"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "没有检测到显示器" in line:
            break
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
        assert r.status == 200
    # Every page the banner names answers (the login pages, the floor screens, a guide).
    for url in re.findall(rf"http://127\.0\.0\.1:{port}/\S*", "".join(lines)):
        with urllib.request.urlopen(url, timeout=5) as r:
            assert r.status == 200, url
    proc.send_signal(signal.SIGTERM)
    out = proc.stdout.read()  # through the text buffer: the banner comes right after that line
    proc.wait(timeout=15)
    proc.stdout.close()
    return "".join(lines) + out, proc.returncode


def test_first_run_prints_demo_accounts_once(tmp_path):
    out, code = _run_launcher(tmp_path, free_port())
    assert code == 0, out
    assert "演示账号" in out and "demo1" in out and "取号机令牌" in out
    for page in ("/clerk", "/manage", "/window/1", "/tv", "/g/A1"):
        assert re.search(rf"http://127\.0\.0\.1:\d+{page}\s", out), page
    assert (tmp_path / "var" / "queue.db").exists()
    again, code = _run_launcher(tmp_path, free_port())
    assert code == 0
    assert "demo1 /" not in again and "演示账号见" in again
