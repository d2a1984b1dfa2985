"""The display app with a test/benchmark probe: ``python -m bench.display_probe --server URL``.

It is the real ``DisplayApp`` (real window, real /ws client, real espeak-ng rendering);
only the sound card is replaced by a RecordingSink that keeps every WAV. The tests and
``bench.display_latency`` drive it over stdin/stdout.

Out (stdout, one per line): ``@@ {json}`` reports —
  ready, online {online}, calls {number, window, recall, flash, t}, drawn {t}, played {...},
  state {...}, shot {path}, frames {count}. ``t`` is ``time.monotonic()``, which Linux
  shares across processes, so a test can compare it with its own clock.
In (stdin): ``state``, ``shot PATH``, ``frames`` (how many frames were drawn), ``quit``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from display.settings import DisplaySettings, parse_size

os.environ.setdefault("KIVY_NO_ARGS", "1")  # before Kivy loads (in main)


SHOTS: list[str] = []  # screenshot paths waiting for the next drawn frame


def take_shots(window: Any) -> None:
    """Called on ``on_flip``, after drawing and before the swap: the back buffer holds
    exactly this frame, so glReadPixels reads what is about to show. Read as RGBA (rows
    of whole 4-byte words): Kivy's RGB screenshot skews widths like 1366."""
    if not SHOTS:
        return
    from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    width, height = window.size
    pixels = glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE)
    image = Image.frombytes("RGBA", (width, height), pixels).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    while SHOTS:
        path = SHOTS.pop(0)
        tmp = str(Path(path).with_suffix("")) + "-tmp.png"
        image.convert("RGB").save(tmp)
        os.replace(tmp, path)
        emit("shot", path=path)


def emit(kind: str, **data: Any) -> None:
    sys.stdout.write("@@ " + json.dumps({"kind": kind, **data}, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def image_box(widget: Any, window_height: float) -> list[int]:
    """(left, top, right, bottom) of ``widget`` in screenshot pixels (y grows down)."""
    x, y = widget.to_window(*widget.pos)
    return [round(x), round(window_height - y - widget.height), round(x + widget.width), round(window_height - y)]


def widget_state(app: Any) -> dict:
    """What the screen shows, read back from the widgets themselves."""
    from kivy.uix.label import Label

    ids = app.screen.ids

    def texts(widget: Any) -> list[str]:
        return [w.text for w in widget.walk() if hasattr(w, "text") and isinstance(w.text, str)]

    return {
        "center_name": ids.header.center_name,
        "clock": ids.header.clock_text,
        "date": ids.header.date_text,
        "call_number": ids.call.number,
        "call_window": ids.call.window,
        "call_recall": ids.call.recall,
        "call_text": ids.call.ids.sentence.text,
        "windows": [
            dict(number=r.number, name=r.name, ticket=r.ticket, status=r.status, paused=r.paused)
            for r in reversed(ids.windows.children)
        ],
        "cards": [_card(r) for r in reversed(ids.windows.children)],
        "recent": [dict(number=r.number, window=r.window, recall=r.recall) for r in reversed(ids.recent.children)],
        "waiting": {c.code: c.count for c in reversed(ids.waiting.children)},
        "offline": app.screen.banner.shown,
        "offline_shown": app.screen.banner.parent is not None,
        "offline_text": app.screen.banner.text,
        "notices": list(ids.marquee.notices),
        "marquee_text": ids.marquee.label.text,
        "marquee_moving": ids.marquee.moving,
        "marquee_pages": list(ids.marquee.pages),
        "marquee_bar_width": ids.marquee.width,
        "marquee_text_width": ids.marquee.label.texture_size[0],
        "results": ids.results.text,
        "all_texts": texts(app.screen),
        "window_size": list(app.root_window.size),
        "call_box": image_box(ids.call.ids.sentence, app.root_window.height),
        "windows_box": image_box(ids.windows, app.root_window.height),
        "banner_box": image_box(app.screen.banner, app.root_window.height),
        "connects": app.client.connects,
        "audio_fault": ids.header.audio_fault,
        "duty": ids.header.duty_text,
        "duty_box": image_box(ids.header.ids.duty, app.root_window.height),
        "audio_fault_box": image_box(ids.header.ids.audio_fault, app.root_window.height),
        "recent_box": image_box(ids.recent, app.root_window.height),
        "waiting_box": image_box(ids.waiting, app.root_window.height),
        "waiting_names": {
            c.code: image_box(c.ids.name, app.root_window.height) for c in reversed(ids.waiting.children)
        },
        "overflow": overflowing(app),
        # [text, font file Kivy draws it with] of every label, the marquee's too.
        "drawn": [
            [w.text, w._label.options["font_name_r"]]
            for w in [*app.screen.walk(), ids.marquee.label]
            if isinstance(w, Label) and w.text
        ],
    }


def overflowing(app: Any) -> list[str]:
    """Shown labels whose text is cut: drawn bigger than their box, shortened with an
    ellipsis, or outside the window. The marquee's line moves on purpose and is left out."""
    from kivy.uix.label import Label

    from bianmin.autofit import measure

    width, height = app.root_window.size
    banner = [app.screen.banner] if app.screen.banner.parent is not None else []
    bad = []
    for w in [*app.screen.walk(restrict=True), *banner]:
        if not isinstance(w, Label) or not w.text or type(w.parent).__name__ == "Marquee" or w.opacity == 0:
            continue
        tw, th = measure(w, w.font_size, w.text_size[0])  # the text itself, wrapped as drawn
        x, y = w.to_window(*w.pos)
        if w.shorten:
            bad.append(f"{w.text!r} shortened")
        # 2 px: a line's box includes the font's empty ascent and descent
        if tw > w.width + 2 or th > w.height + 2:
            bad.append(f"{w.text!r} {tw}x{th} in {w.width:.0f}x{w.height:.0f}")
        if x < -1 or y < -1 or x + w.width > width + 1 or y + w.height > height + 1:
            bad.append(f"{w.text!r} outside the window")
    return bad


def _card(row: Any) -> dict:
    """A window's work card: its text, photo URL and the size of the photo as loaded."""
    from kivy.uix.image import AsyncImage

    image = next(w for w in row.walk() if isinstance(w, AsyncImage))
    loaded = list(image.texture.size) if image.source and image.texture is not None else None
    return {"clerk": row.clerk, "photo": row.photo, "loaded": loaded}


async def next_frames(count: int) -> None:
    from kivy.clock import Clock

    for _ in range(count):
        done = asyncio.get_running_loop().create_future()
        Clock.schedule_once(lambda _dt, f=done: f.done() or f.set_result(None), 0)
        await done


async def commands(app: Any, counters: dict) -> None:
    from kivy.core.window import Window

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().strip():
        cmd, _, arg = line.partition(" ")
        if cmd == "state":
            await next_frames(2)  # what the last change scheduled (e.g. a label's fit) is done
            emit("state", **widget_state(app))
        elif cmd == "shot":
            SHOTS.append(arg)
            Window.canvas.ask_update()  # make sure a frame comes
        elif cmd == "notices":  # a JSON list: the marquee's notices, as if the center changed them
            app.screen.ids.marquee.notices = json.loads(arg)
            emit("notices", t=time.monotonic())
        elif cmd == "frames":
            emit("frames", count=counters["frames"], t=time.monotonic())
        elif cmd == "quit":
            break
    app.stop()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--size", type=parse_size, default=(1280, 720))
    p.add_argument("--keep-dir", type=Path, required=True)
    p.add_argument("--play-scale", type=float, default=0.1)
    p.add_argument("--backoff", type=float, default=0.5)
    p.add_argument("--marquee-hold", type=float, default=DisplaySettings.marquee_hold)
    p.add_argument("--var", type=Path, default=DisplaySettings.var_dir)
    p.add_argument("--player", default=None, help="play with this command (a CommandSink), not the recorder")
    p.add_argument("--audio-retry", type=float, default=DisplaySettings.audio_retry)
    p.add_argument("--token", default="", help="the display's device token: report health")
    ns = p.parse_args()
    settings = DisplaySettings(
        server=ns.server,
        size=ns.size,
        windowed=True,
        marquee_hold=ns.marquee_hold,
        var_dir=ns.var,
        audio_retry=ns.audio_retry,
        token=ns.token,
    )

    from display.kivyconf import configure

    configure(settings)
    from kivy.clock import Clock
    from kivy.core.window import Window

    from bench.sinks import RecordingSink
    from display.app import DisplayApp, run_app
    from display.wsclient import Backoff

    sink = RecordingSink(
        ns.keep_dir,
        time_scale=ns.play_scale,
        on_played=lambda item: emit(
            "played", **{k: str(v) if isinstance(v, Path) else v for k, v in asdict(item).items()}
        ),
    )
    if ns.player:
        from bianmin.sinks import CommandSink

        app = DisplayApp(settings, sink=CommandSink(ns.player.split()))
    else:
        app = DisplayApp(settings, sink=sink)
    pending = {"drawn": False, "frames": 0}
    tasks: list[asyncio.Task] = []  # asyncio keeps only weak references to tasks

    def on_flip(window: Any, *_args: Any) -> None:
        take_shots(window)
        pending["frames"] += 1
        if pending["drawn"]:
            pending["drawn"] = False
            emit("drawn", t=time.monotonic())

    def on_start(*_args: Any) -> None:
        assert app.client is not None and app.screen is not None  # built by App.build
        app.client.backoff = Backoff(first=ns.backoff, cap=max(ns.backoff, 4.0))
        screen = app.screen
        show_calls, show_online = screen.show_calls, screen.show_online

        def spy_calls(number: Any, window: Any, recall: Any, recent: Any, flash: bool) -> None:
            show_calls(number, window, recall, recent, flash)
            pending["drawn"] = True
            emit("calls", number=number, window=window, recall=recall, flash=flash, t=time.monotonic())

        def spy_online(online: bool) -> None:
            show_online(online)
            emit("online", online=online, t=time.monotonic())

        # The controller holds the screen as its view: route its calls through the spies.
        setattr(screen, "show_calls", spy_calls)  # noqa: B010  (replacing a method on purpose)
        setattr(screen, "show_online", spy_online)  # noqa: B010
        Window.bind(on_flip=on_flip)

        tasks.append(asyncio.get_running_loop().create_task(commands(app, pending)))
        Clock.schedule_once(lambda _dt: emit("ready", t=time.monotonic()), 0.5)

    app.bind(on_start=on_start)
    asyncio.run(run_app(app))
    emit("exit")


if __name__ == "__main__":
    main()
