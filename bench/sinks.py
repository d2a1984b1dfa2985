"""A sound sink for tests and benchmarks: records what the display played instead of playing it.

It implements :class:`bianmin.sinks.Sink`, so the real announcer drives it unchanged.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bianmin import wavs


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

    def __init__(
        self,
        keep_dir: Path | None = None,
        on_played: Callable[[Played], None] | None = None,
        time_scale: float = 1.0,
    ):
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
