"""Small WAV helpers (stdlib ``wave`` + numpy): read, join, measure, write.

Announcements are built as one WAV (chime, speech, pause, speech) so a player can
never interleave two of them. Everything is converted to mono 16-bit at one rate.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 22050  # espeak-ng's native rate


class WavError(ValueError):
    """A WAV file is missing or not 8/16-bit PCM."""


@dataclass(frozen=True)
class Audio:
    """Mono float samples in [-1, 1] at ``rate`` Hz."""

    samples: np.ndarray
    rate: int

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate

    def rms(self) -> float:
        """Root-mean-square level (0..1); speech from espeak-ng is around 0.1."""
        return float(np.sqrt(np.mean(self.samples**2))) if len(self.samples) else 0.0


def read(path: Path | str) -> Audio:
    """Read a PCM WAV file as mono float audio."""
    try:
        with wave.open(str(path), "rb") as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise WavError(f"无法读取声音文件 {path}：{exc}") from None
    if width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 1:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    else:
        raise WavError(f"声音文件 {path} 必须是 8 或 16 位 PCM")
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    return Audio(data, rate)


def resample(audio: Audio, rate: int = RATE) -> Audio:
    """Linear-interpolation resample; good enough for chimes and speech clips."""
    if audio.rate == rate or not len(audio.samples):
        return Audio(audio.samples, rate)
    n = max(1, round(len(audio.samples) * rate / audio.rate))
    src = np.arange(len(audio.samples)) / audio.rate
    dst = np.arange(n) / rate
    return Audio(np.interp(dst, src, audio.samples).astype(np.float32), rate)


def silence(seconds: float, rate: int = RATE) -> Audio:
    return Audio(np.zeros(round(seconds * rate), dtype=np.float32), rate)


def trim(audio: Audio, threshold: float = 0.01, keep: float = 0.05) -> Audio:
    """Cut leading/trailing near-silence (espeak-ng pads about half a second)."""
    loud = np.flatnonzero(np.abs(audio.samples) > threshold)
    if not len(loud):
        return audio
    pad = round(keep * audio.rate)
    start, end = max(0, loud[0] - pad), min(len(audio.samples), loud[-1] + 1 + pad)
    return Audio(audio.samples[start:end], audio.rate)


def join(parts: list[Audio], rate: int = RATE) -> Audio:
    """Concatenate audio parts after resampling them all to ``rate``."""
    arrays = [resample(p, rate).samples for p in parts]
    return Audio(np.concatenate(arrays) if arrays else np.zeros(0, np.float32), rate)


def write(path: Path | str, audio: Audio) -> Path:
    """Write mono 16-bit PCM."""
    pcm = (np.clip(audio.samples, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(audio.rate)
        w.writeframes(pcm.tobytes())
    return Path(path)


def duration(path: Path | str) -> float:
    """Length of a WAV file in seconds, from its header."""
    try:
        with wave.open(str(path), "rb") as w:
            return w.getnframes() / w.getframerate()
    except (OSError, EOFError, wave.Error) as exc:
        raise WavError(f"无法读取声音文件 {path}：{exc}") from None
