"""Where announcement WAVs are played: the hardware edge, kept pluggable.

A sink's ``play(path, label)`` returns when the sound has finished, so the announcer's
single worker guarantees announcements never overlap or cut each other off.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from display import wavs

log = logging.getLogger("display.sinks")
# Players tried by ``--audio auto``, in order: PulseAudio/PipeWire, ALSA, then sox.
PLAYERS = {
    "paplay": ["paplay"],
    "aplay": ["aplay", "-q"],
    "play": ["play", "-q"],
}


class Sink(Protocol):
    async def play(self, path: Path, label: str) -> None:
        """Play ``path`` and return when it has finished."""


class CommandSink:
    """Plays each file with an external player (``aplay``, ``paplay`` or sox ``play``)."""

    def __init__(self, argv: list[str]):
        self.argv = list(argv)
        self._warned = False

    async def play(self, path: Path, label: str) -> None:
        proc = await asyncio.create_subprocess_exec(
            *self.argv,
            str(path),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, err = await proc.communicate()
        except asyncio.CancelledError:
            proc.kill()
            await proc.wait()
            raise
        if proc.returncode and not self._warned:
            # A missing sound card must not stop the board; say it once, then keep quiet.
            self._warned = True
            log.warning(
                "播放失败（%s 退出码 %s）：%s",
                self.argv[0],
                proc.returncode,
                err.decode(errors="replace").strip()[:300],
            )


class NullSink:
    """No audio: logs what would be said (``--audio none``)."""

    async def play(self, path: Path, label: str) -> None:
        log.info("（静音）%s", label)


@dataclass(frozen=True)
class Played:
    """One finished playback as a :class:`RecordingSink` saw it (monotonic seconds)."""

    label: str
    start: float
    end: float
    duration: float
    kept: Path | None


class RecordingSink:
    """Records what was played and when; takes as long as the sound would (tests, benches).

    ``keep_dir`` keeps a copy of every WAV so a test can measure the real audio;
    ``time_scale`` < 1 plays faster than real time so tests stay short.
    """

    def __init__(self, keep_dir: Path | None = None, on_played=None, time_scale: float = 1.0):
        self.played: list[Played] = []
        self.keep_dir = keep_dir
        self.on_played = on_played
        self.time_scale = time_scale

    async def play(self, path: Path, label: str) -> None:
        start = time.monotonic()
        length = wavs.duration(path)
        kept = None
        if self.keep_dir is not None:
            kept = self.keep_dir / f"{len(self.played) + 1:03d}.wav"
            shutil.copyfile(path, kept)
        await asyncio.sleep(length * self.time_scale)
        item = Played(label, start, time.monotonic(), length, kept)
        self.played.append(item)
        if self.on_played:
            self.on_played(item)


def make_sink(name: str) -> Sink:
    """``auto`` picks the first installed player; ``none`` is silent; or a player name."""
    if name == "none":
        return NullSink()
    if name == "auto":
        for argv in PLAYERS.values():
            if shutil.which(argv[0]):
                return CommandSink(argv)
        log.warning("未找到 paplay/aplay/play，语音播报已关闭")
        return NullSink()
    if name not in PLAYERS:
        raise ValueError(f"未知的播放方式“{name}”，可选 auto、none、{'、'.join(PLAYERS)}")
    if not shutil.which(PLAYERS[name][0]):
        raise ValueError(f"找不到播放程序 {PLAYERS[name][0]}")
    return CommandSink(PLAYERS[name])
