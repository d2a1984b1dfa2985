"""The display's command line: defaults, and clear errors for bad input."""

import subprocess
import sys

import pytest

from display.settings import DisplaySettings, from_args

from .conftest import ROOT


def test_defaults_and_options():
    assert from_args([]) == DisplaySettings()
    s = from_args(
        [
            "--server",
            "http://10.0.0.5:8000",
            "--size",
            "1280x720",
            "--windowed",
            "--marquee",
            "scroll",
            "--fps",
            "20",
            "--audio",
            "none",
        ]
    )
    assert (s.server, s.size, s.windowed, s.marquee, s.maxfps, s.audio) == (
        "http://10.0.0.5:8000",
        (1280, 720),
        True,
        "scroll",
        20,
        "none",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "big"], "格式应为 宽x高"),
        (["--size", "100x100"], "超出范围"),
        (["--server", "127.0.0.1:8000"], "必须以 http:// 或 https:// 开头"),
        (["--fps", "0"], "必须大于 0"),
        (["--marquee", "blink"], "invalid choice"),
        (["--marquee-slide", "-1"], "不能小于 0"),
        (["--marquee-slide", "fast"], "不是有效的数字"),
    ],
)
def test_bad_arguments_say_what_is_wrong(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        from_args(args)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_notices_stand_still_unless_a_slide_is_asked_for():
    assert from_args([]).marquee_slide == 0
    assert from_args(["--marquee-slide", "0.6"]).marquee_slide == 0.6


def test_module_help_and_bad_audio_exit_cleanly():
    out = subprocess.run(
        [sys.executable, "-m", "display", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and "--server" in out.stdout and "--windowed" in out.stdout
    out = subprocess.run(
        [sys.executable, "-m", "display", "--audio", "speaker"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2 and "未知的播放方式" in out.stderr
