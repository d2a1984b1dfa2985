"""Synthesize the “叮咚” chime played before each announcement.

``python -m display.chime [PATH]`` writes it (default ``bianmin/data/voice/chime.wav``, which is
shipped). A center may replace that file with its own recording of the same name.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from bianmin import wavs
from bianmin.assets import VOICE_DIR


def _bell(freq: float, seconds: float, rate: int) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    # A struck bar: fundamental plus two soft overtones, fast attack, exponential decay.
    tone = (
        np.sin(2 * np.pi * freq * t)
        + 0.35 * np.sin(2 * np.pi * 2.0 * freq * t)
        + 0.12 * np.sin(2 * np.pi * 3.0 * freq * t)
    )
    attack = np.minimum(1.0, t / 0.008)
    return tone * attack * np.exp(-t * 3.2)


def chime(rate: int = wavs.RATE) -> wavs.Audio:
    """Two notes, E5 then C5 (“叮—咚”), about 1.3 s, peak 0.6."""
    ding = _bell(659.25, 0.55, rate)
    dong = _bell(523.25, 0.8, rate)
    out = np.concatenate([ding, dong])
    out = 0.6 * out / np.max(np.abs(out))
    return wavs.Audio(out.astype(np.float32), rate)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else VOICE_DIR / "chime.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    wavs.write(path, chime())
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
