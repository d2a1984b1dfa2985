"""Fixtures for the hall display: the real server as a process, and the display probe."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from bench.devserver import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-display-1"


class Server(ServerProcess):
    """The queue server process over ``tmp/queue.db``; can be killed and restarted."""

    def __init__(self, tmp: Path):
        super().__init__(tmp / "queue.db", log=tmp / "server.log")
        self.kiosk = ""


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path)
    srv.kiosk = srv.cli("add-device", "--kind", "kiosk", "--name", "测试取号机").strip()
    srv.cli("add-clerk", "--login", "c1", "--name", "测试人员", "--password-stdin", stdin=PASSWORD + "\n")
    srv.start()
    yield srv
    srv.stop()


class Hall:
    """The kiosk and the clerk, talking to the server over HTTP."""

    def __init__(self, http: aiohttp.ClientSession, server: Server):
        self.http = http
        self.server = server

    async def issue(self, category: str = "A") -> dict:
        async with self.http.post(
            f"{self.server.url}/api/tickets",
            json={"category": category},
            headers={"Authorization": f"Bearer {self.server.kiosk}"},
        ) as r:
            assert r.status == 201, await r.text()
            return await r.json()

    async def login(self) -> None:
        async with self.http.post(f"{self.server.url}/api/login", json={"login": "c1", "password": PASSWORD}) as r:
            assert r.status == 200, await r.text()

    async def act(self, window: int, action: str, body: dict | None = None) -> dict:
        async with self.http.post(f"{self.server.url}/api/windows/{window}/{action}", json=body or {}) as r:
            assert r.status == 200, await r.text()
            return await r.json()

    async def call(self, window: int) -> tuple[dict, float]:
        """Call the next ticket; returns it and the monotonic time the response arrived."""
        data = await self.act(window, "call")
        return data["ticket"], time.monotonic()


@pytest.fixture
async def hall(server):
    # unsafe=True: keep cookies from an IP address (127.0.0.1), which aiohttp drops by default.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        h = Hall(http, server)
        await h.login()
        yield h


class Probe:
    """``python -m bench.display_probe``: the real display app, reporting over stdout."""

    def __init__(self, proc: asyncio.subprocess.Process, log: Path):
        self.proc = proc
        self.log = log
        self.reports: list[dict] = []
        self._new = asyncio.Event()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            text = line.decode(errors="replace")
            if text.startswith("@@ "):
                self.reports.append(json.loads(text[3:]))
                self._new.set()

    async def wait_for(self, test, timeout: float = 15.0, start: int = 0) -> dict:
        """The first report from index ``start`` on for which ``test(report)`` is true."""
        deadline = asyncio.get_running_loop().time() + timeout
        seen = start
        while True:
            for report in self.reports[seen:]:
                if test(report):
                    return report
            seen = len(self.reports)
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0 or self.proc.returncode is not None:
                raise AssertionError(
                    f"no such report; last: {self.reports[-5:]}\n" + self.log.read_text(errors="replace")[-3000:]
                )
            self._new.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new.wait(), min(left, 0.5))

    async def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((line + "\n").encode())
        await self.proc.stdin.drain()

    async def state(self) -> dict:
        start = len(self.reports)
        await self.send("state")
        return await self.wait_for(lambda r: r["kind"] == "state", start=start)

    async def shot(self, path: Path) -> Path:
        start = len(self.reports)
        await self.send(f"shot {path}")
        await self.wait_for(lambda r: r["kind"] == "shot", start=start)
        return path

    def of(self, kind: str) -> list[dict]:
        return [r for r in self.reports if r["kind"] == kind]

    async def close(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(ConnectionError):
                await self.send("quit")
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        await self._reader


@pytest.fixture
async def start_probe(tmp_path):
    """Start the display probe against a server URL: ``await start_probe(url, "1280x720")``."""
    probes: list[Probe] = []

    async def start(url: str, size: str = "1280x720", *extra: str) -> Probe:
        keep = tmp_path / f"wav-{len(probes)}"
        keep.mkdir()
        log = tmp_path / f"probe-{len(probes)}.log"
        env = dict(
            os.environ,
            KIVY_NO_ARGS="1",
            SDL_AUDIODRIVER="dummy",
            KIVY_HOME=str(tmp_path / "kivy"),
            KIVY_LOG_MODE="PYTHON",
        )
        with log.open("w") as err:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.display_probe",
                "--server",
                url,
                "--size",
                size,
                "--keep-dir",
                str(keep),
                *extra,
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=err,
            )
        probe = Probe(proc, log)
        probes.append(probe)
        await probe.wait_for(lambda r: r["kind"] == "ready", timeout=30)
        return probe

    yield start
    for probe in probes:
        await probe.close()


def ocr(image: Path, box: list[int], psm: int = 7, scale: float = 1.0) -> str:
    """Read the text in ``box`` (left, top, right, bottom) of a screenshot with tesseract.

    tesseract reads best at text ~30–50 px high: ``scale`` brings the huge call line down.
    """
    from PIL import Image

    crop = image.with_name(f"{image.stem}-{'-'.join(map(str, box))}.png")
    with Image.open(image) as im:
        # Our text is light (white, gold, pale blue) on dark panels: black on white for OCR.
        gray = im.crop(tuple(box)).convert("L")
        if scale != 1.0:
            gray = gray.resize((round(gray.width * scale), round(gray.height * scale)), Image.Resampling.LANCZOS)
        gray.point(lambda v: 0 if v > 150 else 255).save(crop)
    out = subprocess.run(
        ["tesseract", str(crop), "-", "-l", "chi_sim", "--psm", str(psm)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return "".join(out.stdout.split())


def assert_ocr(
    image: Path, box: list[int], *expected: str, psm: int = 7, scales=(0.5, 0.4, 0.65), fold_o: bool = False
) -> None:
    """Assert that OCR of ``box`` reads every ``expected`` text exactly, at one of a few scales.

    tesseract now and then adds or drops a stroke at one scale (e.g. "BO001" for "B001");
    another scale reads it right, so a real miss still fails at every scale. ``fold_o``
    reads the letter O as 0, for small digits in the table font.
    """
    readings = []
    for scale in scales:
        text = ocr(image, box, psm=psm, scale=scale)
        readings.append(text.replace("O", "0") if fold_o else text)
        if all(e in readings[-1] for e in expected):
            return
    raise AssertionError(f"{expected!r} not all read on screen; OCR read {readings}")
