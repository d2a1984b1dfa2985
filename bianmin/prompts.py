"""Spoken prompts for residents who cannot read well (the kiosk), on the board's speech path.

The same pieces as the board's calls: espeak-ng renders a WAV offline, a
:class:`bianmin.sinks.Sink` plays it, and one worker plays one prompt at a time. A
prompt is short Chinese text (hanzi, read by espeak-ng's ``cmn`` voice). Only the newest
prompt waiting matters: a resident who taps on before a prompt starts should hear where
they are now, not a backlog, so a new prompt replaces any not yet begun.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from pathlib import Path

from bianmin.sinks import Sink

log = logging.getLogger("bianmin.prompts")
ESPEAK_VOICE = "cmn"  # Mandarin from hanzi (the board's calls use the pinyin voice for letters)


class PromptVoice:
    """Say prompts through ``sink``; run :meth:`run` as a task. ``volume`` 0–100 %."""

    def __init__(self, sink: Sink, volume: int = 80, exe: str = "espeak-ng", speed: int = 150):
        self.sink = sink
        self.volume = volume
        self.exe = exe
        self.speed = speed
        self.said: list[str] = []  # prompts handed to the sink, in order (logs, tests)
        self._waiting: str | None = None
        self._wake = asyncio.Event()
        self._tmp: Path | None = None
        self._count = 0

    def say(self, text: str) -> None:
        """Queue ``text``, replacing a prompt that has not started; returns at once."""
        self._waiting = text
        self._wake.set()

    async def render(self, text: str) -> Path:
        """``text`` as a WAV from espeak-ng (amplitude 0–200 from the volume)."""
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="bianmin-prompt-"))
        self._count += 1
        out = self._tmp / f"prompt-{self._count}.wav"
        amplitude = str(round(2 * max(0, min(100, self.volume))))
        argv = [self.exe, "-v", ESPEAK_VOICE, "-s", str(self.speed), "-a", amplitude, "-w", str(out), text]
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
            )
        except FileNotFoundError:
            raise OSError("找不到 espeak-ng，请安装 espeak-ng 软件包") from None
        _, err = await asyncio.wait_for(proc.communicate(), 20)
        if proc.returncode:
            raise OSError(f"espeak-ng 失败：{err.decode(errors='replace').strip()}")
        return out

    async def run(self) -> None:
        """Worker: render and play each prompt; a failure is logged and never stops it."""
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                text, self._waiting = self._waiting, None
                if text is None:
                    continue
                try:
                    path = await self.render(text)
                    try:
                        self.said.append(text)
                        await self.sink.play(path, text)
                    finally:
                        path.unlink(missing_ok=True)
                except (OSError, TimeoutError) as exc:  # PlaybackError is an OSError
                    log.warning("语音提示失败（%s）：%s", text, exc)
        finally:
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)
                self._tmp = None
