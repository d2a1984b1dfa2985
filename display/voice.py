"""Mandarin announcements: render text to a WAV, queue them, play them one at a time.

An announcement is one WAV: chime, the sentence, a pause, the sentence again. Speech
comes from a folder of recorded clips when the center supplies a complete set
(``bianmin/data/voice/``, names in :data:`display.speech.CLIP_NAMES`), else from espeak-ng.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from bianmin import wavs
from bianmin.assets import VOICE_DIR
from bianmin.sinks import PlaybackError, Sink
from display.speech import (
    CHIME_CLIP,
    CLIP_NAMES,
    LETTER_PINYIN,
    Announcement,
    Word,
    words_clips,
    words_pinyin,
)

log = logging.getLogger("display.voice")
ESPEAK_VOICE = "cmn-latn-pinyin"


class VoiceError(RuntimeError):
    """Speech could not be rendered (espeak-ng missing or failing, clip unreadable)."""


class Speaker(Protocol):
    name: str

    async def render(self, words: list[Word], out: Path) -> wavs.Audio:
        """Write the spoken ``words`` to ``out`` and return the audio."""


class EspeakSpeaker:
    """espeak-ng with the pinyin Mandarin voice, run as a subprocess with an argument list."""

    name = "espeak-ng"

    def __init__(self, exe: str = "espeak-ng", speed: int = 150):
        self.exe = exe
        self.speed = speed

    async def render(self, words: list[Word], out: Path) -> wavs.Audio:
        try:
            proc = await asyncio.create_subprocess_exec(
                self.exe,
                "-v",
                ESPEAK_VOICE,
                "-s",
                str(self.speed),
                "-w",
                str(out),
                words_pinyin(words),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
        except FileNotFoundError:
            raise VoiceError("找不到 espeak-ng，请安装 espeak-ng 软件包") from None
        _, err = await proc.communicate()
        if proc.returncode:
            raise VoiceError(f"espeak-ng 失败：{err.decode(errors='replace').strip()}")
        return wavs.read(out)


class ClipSpeaker:
    """Joins a center's recorded clips (``qing.wav``, ``A.wav``, ``0.wav`` …).

    A call whose letter has no clip is said by ``fallback`` (espeak-ng) instead.
    """

    name = "clips"
    GAP = 0.04  # seconds between clips, so syllables don't run together

    def __init__(self, folder: Path, fallback: Speaker | None = None):
        self.folder = folder
        self.fallback = fallback

    @staticmethod
    def complete(folder: Path) -> bool:
        """True when ``folder`` has every word and digit clip (letters may be partial)."""
        return all((folder / f"{name}.wav").is_file() for name in CLIP_NAMES if name not in LETTER_PINYIN)

    async def render(self, words: list[Word], out: Path) -> wavs.Audio:
        names = words_clips(words)
        missing = [n for n in names if not (self.folder / f"{n}.wav").is_file()]
        if missing and self.fallback is not None:
            log.warning("缺少录音 %s，本次使用 espeak-ng", "、".join(f"{n}.wav" for n in missing))
            return await self.fallback.render(words, out)
        parts: list[wavs.Audio] = []
        for name in names:
            try:
                parts += [wavs.read(self.folder / f"{name}.wav"), wavs.silence(self.GAP)]
            except wavs.WavError as exc:
                raise VoiceError(str(exc)) from None
        audio = wavs.join(parts)
        wavs.write(out, audio)
        return audio


def make_speaker(folder: Path = VOICE_DIR, engine: str = "auto") -> Speaker:
    """``auto``: the clip folder when complete, else espeak-ng."""
    if engine == "clips" or (engine == "auto" and ClipSpeaker.complete(folder)):
        return ClipSpeaker(folder, fallback=EspeakSpeaker())
    if engine not in ("auto", "espeak"):
        raise ValueError(f"未知的语音引擎“{engine}”，可选 auto、espeak、clips")
    return EspeakSpeaker()


class Announcer:
    """Queue of announcements played strictly one after another by a single worker."""

    def __init__(
        self,
        speaker: Speaker,
        sink: Sink,
        voice_dir: Path = VOICE_DIR,
        repeat: int = 2,
        retry_seconds: float = 20.0,
        on_fault: Callable[[str | None], None] | None = None,
    ):
        self.speaker = speaker
        self.sink = sink
        self.repeat = repeat
        # While playback fails, a short silence is played this often to find out when the
        # sound works again; every announcement also tries. ``fault`` is shown on the board.
        self.retry_seconds = retry_seconds
        self.on_fault = on_fault
        self.fault: str | None = None
        self.queue: asyncio.Queue[Announcement] = asyncio.Queue()
        self.chime = self._load_chime(voice_dir / f"{CHIME_CLIP}.wav")
        self._tmp: Path | None = None
        self._count = 0

    @staticmethod
    def _load_chime(path: Path) -> wavs.Audio | None:
        try:
            return wavs.read(path)
        except wavs.WavError as exc:
            log.warning("提示音不可用，直接播报：%s", exc)
            return None

    def announce(self, item: Announcement) -> None:
        """Queue ``item``; returns at once."""
        self.queue.put_nowait(item)

    async def render(self, item: Announcement) -> Path:
        """Build the announcement WAV: chime, sentence × ``repeat`` with pauses."""
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="bianmin-voice-"))
        self._count += 1
        speech_path = self._tmp / f"speech-{self._count}.wav"
        path = self._tmp / f"call-{self._count}.wav"
        try:
            speech = wavs.trim(await self.speaker.render(item.words, speech_path))
        finally:
            speech_path.unlink(missing_ok=True)
        parts = [self.chime, wavs.silence(0.25)] if self.chime else []
        for i in range(self.repeat):
            parts += [speech] + ([wavs.silence(0.7)] if i + 1 < self.repeat else [])
        wavs.write(path, wavs.join(parts))
        return path

    def _set_fault(self, fault: str | None) -> None:
        if fault == self.fault:
            return
        if fault is None:
            log.info("语音播报已恢复")
        self.fault = fault
        if self.on_fault is not None:
            self.on_fault(fault)

    async def _next(self) -> Announcement | None:
        """The next announcement; None when it is time to test a faulty sound again."""
        if self.fault is None:
            return await self.queue.get()
        try:
            return await asyncio.wait_for(self.queue.get(), self.retry_seconds)
        except TimeoutError:
            return None

    async def _probe(self) -> None:
        assert self._tmp is not None
        path = wavs.write(self._tmp / "probe.wav", wavs.silence(0.2))
        try:
            await self.sink.play(path, "（测试声卡）")
        except OSError as exc:
            self._set_fault(str(exc))
        else:
            self._set_fault(None)

    async def run(self) -> None:
        """Worker: render and play each queued announcement; errors never stop it."""
        self._tmp = self._tmp or Path(tempfile.mkdtemp(prefix="bianmin-voice-"))
        try:
            while True:
                item = await self._next()
                if item is None:
                    await self._probe()
                    continue
                try:
                    path = await self.render(item)
                    try:
                        await self.sink.play(path, item.text)
                    finally:
                        path.unlink(missing_ok=True)
                except PlaybackError as exc:
                    if self.fault is None:  # logged once per outage, not on every retry
                        log.error("语音播报失败（%s 号到 %s 号窗口）：%s", item.number, item.window, exc)
                    self._set_fault(str(exc))
                except (VoiceError, ValueError, OSError) as exc:  # WavError, SpeechError
                    log.error("语音播报失败（%s 号到 %s 号窗口）：%s", item.number, item.window, exc)
                    self._set_fault(str(exc))
                else:
                    self._set_fault(None)
                finally:
                    self.queue.task_done()
        finally:
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)
                self._tmp = None
