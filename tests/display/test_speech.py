"""What an announcement says, and what espeak-ng really makes of it."""

import subprocess

import pytest

from bianmin import wavs
from display.speech import (
    LETTER_PINYIN,
    Announcement,
    SpeechError,
    call_words,
    window_words,
    words_clips,
    words_pinyin,
    words_text,
)


def test_call_sentence_text_pinyin_and_clips():
    words = call_words("A012", 3)
    assert words_text(words) == "请A零一二号到3号窗口办理"
    assert words_pinyin(words) == ("qing3 ei1 ling2 yi1 er4 hao4 dao4 san1 hao4 chuang1 kou3 ban4 li3")
    assert words_clips(words) == ["qing", "A", "0", "1", "2", "hao", "dao", "3", "hao", "chuangkou", "banli"]


def test_digits_are_spelled_one_by_one_windows_read_as_numbers():
    assert words_text(call_words("h105", 12)) == "请H一零五号到12号窗口办理"
    assert window_words(12).pinyin == ("shi2", "er4")
    assert window_words(10).pinyin == ("shi2",)
    assert window_words(20).pinyin == ("er4", "shi2")
    assert window_words(35).clips == ("3", "shi", "5")
    assert window_words(7).pinyin == ("qi1",)


@pytest.mark.parametrize("number", ["", "A-12", "A１２", "甲001"])
def test_unspeakable_ticket_numbers_raise(number):
    with pytest.raises(SpeechError):
        call_words(number, 1)


def test_window_zero_raises():
    with pytest.raises(SpeechError):
        window_words(0)


def test_announcement_text():
    assert Announcement("B007", 2, recall=True).text == "请B零零七号到2号窗口办理"


def _phonemes(pinyin: str) -> str:
    out = subprocess.run(
        ["espeak-ng", "-v", "cmn-latn-pinyin", "-q", "-x", pinyin],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return out.stdout


@pytest.mark.parametrize("letter", list("ABCDEFGH"))
def test_espeak_reads_our_pinyin_as_mandarin_not_english(letter):
    # espeak-ng marks a switch to English with "(en)"; pinyin it understands has none.
    words = call_words(f"{letter}012", 3)
    phonemes = _phonemes(words_pinyin(words))
    assert "(en)" not in phonemes
    assert phonemes.count("_|") == len(words_pinyin(words).split())  # one unit per syllable


def test_the_plain_cmn_voice_would_read_pinyin_as_english():
    # Why we use cmn-latn-pinyin: the same input through "cmn" switches to English.
    out = subprocess.run(
        ["espeak-ng", "-v", "cmn", "-q", "-x", "qing3 ling2 hao4"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert "(en)" in out.stdout


def test_all_letter_pinyin_is_understood():
    phonemes = _phonemes(" ".join(LETTER_PINYIN.values()))
    assert "(en)" not in phonemes


def test_espeak_renders_speech_level_audio(tmp_path):
    out = tmp_path / "call.wav"
    subprocess.run(
        ["espeak-ng", "-v", "cmn-latn-pinyin", "-s", "150", "-w", str(out), words_pinyin(call_words("A012", 3))],
        check=True,
        timeout=30,
    )
    audio = wavs.read(out)
    assert audio.rate == 22050
    assert 2.5 < audio.duration < 7.0  # 13 syllables at a calm pace
    assert audio.rms() > 0.05  # speech, not silence
