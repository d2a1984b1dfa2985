"""Announcements: real espeak-ng rendering, queued playback in order and without overlap."""

import asyncio
import contextlib
import itertools
import sys

import numpy as np
import pytest

from bench.sinks import RecordingSink
from bianmin import wavs
from bianmin.assets import VOICE_DIR
from bianmin.sinks import CommandSink, PlaybackError, make_sink
from display import chime
from display.speech import CLIP_NAMES, Announcement
from display.voice import Announcer, ClipSpeaker, EspeakSpeaker, make_speaker


async def run_until_played(announcer: Announcer, sink: RecordingSink, count: int) -> None:
    worker = asyncio.create_task(announcer.run())
    try:
        async with asyncio.timeout(30):
            while len(sink.played) < count:
                await asyncio.sleep(0.02)
    finally:
        worker.cancel()
        with pytest.raises(asyncio.CancelledError):
            await worker


def segments(audio: wavs.Audio, threshold=0.03, gap=0.25) -> list[tuple[float, float]]:
    """(start, end) seconds of sound separated by at least ``gap`` seconds of quiet."""
    step = audio.rate // 50
    out: list[list[float]] = []
    for i in range(0, len(audio.samples), step):
        if np.sqrt(np.mean(audio.samples[i : i + step] ** 2)) <= threshold:
            continue
        t = i / audio.rate
        if out and t - out[-1][1] < gap:
            out[-1][1] = t + step / audio.rate
        else:
            out.append([t, t + step / audio.rate])
    return [(round(a, 2), round(b, 2)) for a, b in out]


def test_shipped_chime_is_the_generated_one():
    shipped = wavs.read(VOICE_DIR / "chime.wav")
    made = chime.chime()
    assert shipped.rate == made.rate and abs(shipped.duration - made.duration) < 0.01
    assert np.max(np.abs(shipped.samples - made.samples)) < 2 / 32768 + 1e-6


async def test_announcement_is_chime_then_sentence_twice(tmp_path):
    sink = RecordingSink(keep_dir=tmp_path, time_scale=0.05)
    announcer = Announcer(EspeakSpeaker(), sink)
    announcer.announce(Announcement("A012", 3))
    await run_until_played(announcer, sink, 1)
    (played,) = sink.played
    assert played.label == "请A零一二号到3号窗口办理"
    audio = wavs.read(played.kept)
    parts = segments(audio)
    # chime, then the sentence twice: three sounds; the two sentences equally long
    assert len(parts) == 3, parts
    (c0, c1), (s0, s1), (t0, t1) = parts
    assert c1 - c0 == pytest.approx(1.35, abs=0.2)
    assert 2.5 < s1 - s0 < 7 and (s1 - s0) == pytest.approx(t1 - t0, abs=0.05)
    speech = wavs.Audio(audio.samples[int(s0 * audio.rate) : int(s1 * audio.rate)], audio.rate)
    assert speech.rms() > 0.08


async def test_two_quick_calls_play_in_order_without_overlap(tmp_path):
    sink = RecordingSink(keep_dir=tmp_path, time_scale=0.1)
    announcer = Announcer(EspeakSpeaker(), sink)
    announcer.announce(Announcement("A001", 1, seq=1))
    announcer.announce(Announcement("B001", 2, seq=2))
    announcer.announce(Announcement("A001", 1, recall=True, seq=3))
    await run_until_played(announcer, sink, 3)
    labels = [p.label for p in sink.played]
    assert labels == ["请A零零一号到1号窗口办理", "请B零零一号到2号窗口办理", "请A零零一号到1号窗口办理"]
    for first, second in itertools.pairwise(sink.played):
        assert first.end <= second.start
    for p in sink.played:
        assert p.end - p.start >= p.duration * 0.1 * 0.95  # each took its (scaled) length


def make_clip_folder(folder, rate=16000):
    """Distinct tones as stand-in recordings (a center would record real words)."""
    folder.mkdir()
    for i, name in enumerate(CLIP_NAMES):
        if name in ("E", "F"):
            continue  # letters the center did not record
        t = np.arange(int(0.2 * rate)) / rate
        tone = 0.3 * np.sin(2 * np.pi * (200 + 20 * i) * t)
        wavs.write(folder / f"{name}.wav", wavs.Audio(tone.astype(np.float32), rate))


async def test_clip_speaker_joins_the_recorded_words(tmp_path):
    folder = tmp_path / "voice"
    make_clip_folder(folder)
    assert ClipSpeaker.complete(folder)
    speaker = make_speaker(folder)
    assert isinstance(speaker, ClipSpeaker)
    out = tmp_path / "out.wav"
    audio = await speaker.render(Announcement("A012", 3).words, out)
    # 11 clips of 0.2 s plus 0.04 s gaps, resampled to 22050 Hz
    assert audio.rate == wavs.RATE
    assert audio.duration == pytest.approx(11 * 0.24, abs=0.01)
    assert wavs.duration(out) == pytest.approx(audio.duration, abs=0.001)


async def test_clip_speaker_falls_back_to_espeak_for_a_missing_letter(tmp_path):
    folder = tmp_path / "voice"
    make_clip_folder(folder)
    audio = await make_speaker(folder).render(Announcement("E001", 3).words, tmp_path / "o.wav")
    assert audio.rate == 22050 and audio.duration > 2.5  # espeak-ng's speech, not tones


def test_incomplete_clip_folder_means_espeak(tmp_path):
    assert isinstance(make_speaker(tmp_path), EspeakSpeaker)
    with pytest.raises(ValueError, match="未知的语音引擎"):
        make_speaker(tmp_path, "festival")


async def test_command_sink_runs_the_player_and_reports_failure(tmp_path):
    wav = wavs.write(tmp_path / "a.wav", wavs.silence(0.1))
    marker = tmp_path / "played.txt"
    ok = CommandSink(
        [sys.executable, "-c", f"import sys, pathlib; pathlib.Path({str(marker)!r}).write_text(sys.argv[1])"]
    )
    await ok.play(wav, "x")
    assert marker.read_text() == str(wav)
    bad = CommandSink([sys.executable, "-c", "import sys; sys.exit('no sound card')"])
    with pytest.raises(PlaybackError, match="退出码 1：no sound card"):
        await bad.play(wav, "x")


def test_make_sink_choices():
    assert type(make_sink("none")).__name__ == "NullSink"
    with pytest.raises(ValueError, match="未知的播放方式"):
        make_sink("speaker")


async def test_espeak_failure_is_logged_and_the_queue_goes_on(tmp_path, caplog):
    sink = RecordingSink(time_scale=0.01)
    announcer = Announcer(EspeakSpeaker(exe="/nonexistent/espeak-ng"), sink)
    announcer.announce(Announcement("A001", 1))
    announcer.announce(Announcement("A-2", 1))  # unspeakable: logged, not fatal
    announcer.announce(Announcement("A002", 1))
    worker = asyncio.create_task(announcer.run())
    async with asyncio.timeout(10):
        await announcer.queue.join()
    worker.cancel()
    with pytest.raises(asyncio.CancelledError):
        await worker
    assert sink.played == []
    assert sum("找不到 espeak-ng" in r.getMessage() for r in caplog.records) == 2
    assert any("无法播报的字符" in r.getMessage() for r in caplog.records)


async def test_playback_fault_is_marked_once_retried_and_cleared(tmp_path, caplog):
    """No sound card: the fault is reported (logged once), tested again, cleared when sound works."""
    works = tmp_path / "card-present"
    played = tmp_path / "played.txt"
    player = tmp_path / "player.py"  # the hardware edge: a player that fails while there is no card
    player.write_text(
        "import pathlib, sys\n"
        f"if not pathlib.Path({str(works)!r}).exists():\n"
        "    sys.exit(\"aplay: main:831: audio open error: cannot find card '0'\")\n"
        f"with open({str(played)!r}, 'a') as f: f.write(sys.argv[1] + '\\n')\n"
    )
    faults: list[str | None] = []
    announcer = Announcer(
        EspeakSpeaker(), CommandSink([sys.executable, str(player)]), retry_seconds=0.3, on_fault=faults.append
    )
    worker = asyncio.create_task(announcer.run())
    try:
        announcer.announce(Announcement("A001", 1))
        announcer.announce(Announcement("A002", 1))
        async with asyncio.timeout(20):
            await announcer.queue.join()
        assert announcer.fault and "cannot find card '0'" in announcer.fault
        assert faults == [announcer.fault]  # one change: the second failure is the same fault
        assert sum("cannot find card" in r.getMessage() for r in caplog.records) == 1
        await asyncio.sleep(0.8)  # retries (silence probes) go on while nothing is said
        assert not played.exists()
        works.touch()
        async with asyncio.timeout(10):
            while announcer.fault is not None:
                await asyncio.sleep(0.05)
        assert faults[-1] is None
        announcer.announce(Announcement("A003", 1))
        async with asyncio.timeout(20):
            await announcer.queue.join()
        assert announcer.fault is None and "call-" in played.read_text().splitlines()[-1]
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
