"""Where spoken WAVs are played (board calls, kiosk prompts): the hardware edge, kept pluggable.

A sink's ``play(path, label)`` returns when the sound has finished, so a single worker
(the announcer's, the prompt voice's) guarantees sounds never overlap or cut each other off.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path
from typing import Protocol

log = logging.getLogger("bianmin.sinks")
# Players tried by ``--audio auto``, in order: PulseAudio/PipeWire, ALSA, then sox.
PLAYERS = {
    "paplay": ["paplay"],
    "aplay": ["aplay", "-q"],
    "play": ["play", "-q"],
}


class PlaybackError(OSError):
    """The player failed (no sound card: ``cannot find card '0'``); the message says why."""


class Sink(Protocol):
    async def play(self, path: Path, label: str) -> None:
        """Play ``path`` and return when it has finished."""


class CommandSink:
    """Plays each file with an external player (``aplay``, ``paplay`` or sox ``play``)."""

    def __init__(self, argv: list[str]):
        self.argv = list(argv)

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
        if proc.returncode:
            # The announcer shows the fault on the board and keeps retrying.
            detail = err.decode(errors="replace").strip()[:300]
            raise PlaybackError(f"{self.argv[0]} 退出码 {proc.returncode}：{detail}")


class NullSink:
    """No audio: logs what would be said (``--audio none``)."""

    async def play(self, path: Path, label: str) -> None:
        log.info("（静音）%s", label)


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
