"""Spoken prompts: the real controller and server, the real espeak-ng voice; only the
sound card is replaced, by a sink that records what it was given, in order."""

from __future__ import annotations

import argparse
import asyncio
import shutil

import pytest
import test_kiosk_controller
from test_kiosk_controller import DISMISS_GUARD, Kiosk

from bench.sinks import RecordingSink
from bianmin import wavs
from bianmin.prompts import PromptVoice
from kiosk.printer_link import KioskPrinter
from kiosk.settings import SettingsError, add_arguments, from_args

pytestmark = pytest.mark.skipif(not shutil.which("espeak-ng"), reason="needs espeak-ng")
hall = test_kiosk_controller.hall  # the real server app over a real database (the same fixture)


async def test_the_sink_receives_the_prompts_in_order(hall, tmp_path):
    sink = RecordingSink(tmp_path / "played", time_scale=0.05)
    (tmp_path / "played").mkdir()
    voice = PromptVoice(sink, volume=80)
    speaking = asyncio.get_running_loop().create_task(voice.run())
    k = Kiosk(hall, KioskPrinter(f"preview:{tmp_path / 'tickets'}"))
    k.ctl.say = voice.say

    async def heard(count: int) -> None:
        await k.wait(lambda: len(sink.played) >= count, timeout=20)

    try:
        await k.screen("home")
        assert sink.played == []  # the kiosk starting up says nothing to an empty hall
        k.ctl.choose_category("D")
        await heard(1)
        k.ctl.choose_matter("D", "D2")
        await heard(2)
        await asyncio.sleep(DISMISS_GUARD)
        k.ctl.dismiss_ticket()
        await heard(3)
        k.ctl.choose_category("D")
        await heard(4)
        k.ctl.choose_matter("D", None)
        await heard(5)
    finally:
        await k.close()
        speaking.cancel()
        await asyncio.gather(speaking, return_exceptions=True)
    ticket = k.view.last("ticket")
    assert ticket.windows == "请到 2 号窗口办理"  # D is served at window 2 in the sample center
    assert k.view.last("ticket").windows == "请到 2 号窗口办理"  # D is served at window 2
    assert [p.label for p in sink.played] == [
        "农村经济管理",
        "请取走您的号票，您前面没有人，请留意叫号",
        "请点击您要办理的业务",
        "农村经济管理",
        "请取走您的号票，您前面还有 1 人",
    ]
    for played in sink.played:  # real speech, not silence
        audio = wavs.read(played.kept)
        assert audio.duration > 0.5 and audio.rms() > 0.02, played


async def test_a_prompt_not_yet_begun_gives_way_to_the_newest(tmp_path):
    sink = RecordingSink(time_scale=0.05)
    voice = PromptVoice(sink)
    voice.say("请点击您要办理的业务")
    voice.say("民政")  # tapped before the first prompt started: only where they are now
    task = asyncio.get_running_loop().create_task(voice.run())
    try:
        async with asyncio.timeout(20):
            while not sink.played:
                await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert [p.label for p in sink.played] == ["民政"]


def parse(*args: str):
    p = argparse.ArgumentParser()
    add_arguments(p)
    return from_args(p.parse_args(["--server", "http://h:1", "--token", "t", *args]))


def test_prompt_settings_with_defaults_and_errors_that_name_the_field():
    s = parse()
    assert (s.prompts, s.prompt_volume, s.audio) == (True, 80, "auto")
    assert not parse("--voice-prompts", "off").prompts
    assert parse("--voice-volume", "35").prompt_volume == 35
    with pytest.raises(SettingsError, match="--voice-volume"):
        parse("--voice-volume", "101")
    with pytest.raises(SettingsError, match="--audio"):
        parse("--audio", "speaker")
