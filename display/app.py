"""The hall display app: a Kivy board fed by ``/ws``, announcing calls in Mandarin.

Everything runs on one asyncio loop (``App.async_run``): the Kivy frames, the WebSocket
client and the announcer. Nothing polls: the clock label checks the time once a second
and only redraws when the minute changes; the notices line changes page every
``--marquee-hold`` seconds (``--marquee page``, the default; with ``--marquee-slide`` a page
slides in) or moves steadily at ``--marquee-fps`` (``scroll``).
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

import display.widgets  # noqa: F401  (puts our widget classes in the Factory for the .kv)
from bianmin import fonts
from bianmin.fontcover import FontChoice, FontKeeper
from bianmin.health import HealthReporter, app_version
from bianmin.protocol import DeviceHealth
from bianmin.sinks import Sink, make_sink
from display import present, theme
from display.controller import DisplayController
from display.screen import BoardScreen
from display.settings import DisplaySettings
from display.voice import Announcer, make_speaker
from display.wsclient import HallClient

KV_DIR = Path(__file__).resolve().parent / "kv"
# Frames per second while nothing moves. A change still draws at once: the interrupt
# clock (display.kivyconf) wakes the loop when a label schedules its redraw.
IDLE_FPS = 4
KV_FILES = ("header.kv", "call_panel.kv", "window_table.kv", "recent_calls.kv", "waiting.kv", "marquee.kv", "board.kv")


class DisplayApp(App):
    """Build with settings (and optionally a sink, for tests); run with :func:`run_app`."""

    title = "便民服务中心叫号屏"
    unit = NumericProperty(10.8)  # 1 % of the window height, in pixels
    wide = BooleanProperty(True)  # 16:9 and wider; False on 4:3 boards (800×600, 1024×768)
    marquee_mode = StringProperty("page")
    marquee_speed = NumericProperty(12.0)
    marquee_fps = NumericProperty(20)
    marquee_hold = NumericProperty(8.0)
    marquee_slide = NumericProperty(0.0)

    def __init__(self, settings: DisplaySettings, sink: Sink | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.settings = settings
        self.marquee_mode = settings.marquee
        self.marquee_speed = settings.marquee_speed
        self.marquee_fps = settings.marquee_fps
        self.marquee_hold = settings.marquee_hold
        self.marquee_slide = settings.marquee_slide
        self.announcer = Announcer(
            make_speaker(settings.voice_dir, settings.voice),
            sink or make_sink(settings.audio),
            settings.voice_dir,
            retry_seconds=settings.audio_retry,
            on_fault=self._audio_fault,
        )
        self.screen: BoardScreen | None = None
        self.controller: DisplayController | None = None
        self.client: HallClient | None = None
        self.tasks: list[asyncio.Task] = []
        self.health = (
            HealthReporter(settings.server, settings.token, DeviceHealth(version=app_version(), audio="ok"))
            if settings.token
            else None
        )

    def build(self) -> BoardScreen:
        fonts.register()
        for name in KV_FILES:
            Builder.load_file(str(KV_DIR / name))
        Window.clearcolor = theme.BG
        Window.bind(size=self._on_size)
        self._on_size(Window, Window.size)
        self.screen = BoardScreen()
        self.controller = DisplayController(
            self.screen,
            self.announcer.announce,
            max_age=self.settings.max_age,
            fonts=FontKeeper(self.settings.var_dir),
            use_fonts=self.use_fonts,
        )
        self.client = HallClient(self.settings.server, self.controller, token=self.settings.token or None)
        self._tick()
        Clock.schedule_interval(self._tick, 1.0)
        self.screen.ids.marquee.bind(moving=self._pace)
        self.screen.ids.call.bind(flashing=self._pace)
        self._pace()
        return self.screen

    def on_start(self) -> None:
        assert self.client is not None, "build() runs before on_start()"
        loop = asyncio.get_running_loop()
        self.tasks = [loop.create_task(self.client.run()), loop.create_task(self.announcer.run())]
        if self.health is not None:
            self.tasks.append(loop.create_task(self.health.run()))

    def _audio_fault(self, fault: str | None) -> None:
        if self.screen is not None:
            self.screen.show_audio_fault(fault)
        if self.health is not None:
            self.health.update(audio="fault" if fault else "ok", last_error=fault or self.health.health.last_error)

    def use_fonts(self, choice: FontChoice) -> None:
        """The center's names need the extended subset: redraw the board with it."""
        fonts.use(choice.regular, choice.bold, self.screen)
        if self.screen is not None:
            self.screen.redraw_fonts()

    def _pace(self, *_args: object) -> None:
        """Frames only as fast as something moves: the full rate while a call flashes, the
        notices' step rate while they move, else IDLE_FPS. On software GL every frame
        redraws the whole window, so moving notices would be most of what an idle board costs."""
        assert self.screen is not None
        ids = self.screen.ids
        fps = IDLE_FPS
        if ids.call.flashing:
            fps = self.settings.maxfps
        elif ids.marquee.moving:
            fps = self.settings.marquee_fps
        Clock._max_fps = float(min(fps, self.settings.maxfps))

    def _on_size(self, _window: object, size: tuple[int, int]) -> None:
        self.unit = size[1] / 100.0
        self.wide = size[0] >= 1.5 * size[1]

    def _tick(self, *_args: object) -> None:
        if self.controller is None or self.screen is None:
            return
        now = self.controller.now_local()
        self.screen.show_time(present.date_text(now), present.clock_text(now))

    async def stop_tasks(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _wait_or_time_out(awaitable: Any, timeout: float) -> None:
    """``asyncio.wait_for`` that returns on timeout: Kivy 2.3's interrupt clock expects
    that (trio's variant behaves so) and its frame loop dies of the TimeoutError otherwise."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(awaitable, timeout)


async def run_app(app: DisplayApp) -> None:
    """Run ``app`` until its window closes, then stop the client and the announcer."""
    Clock.init_async_lib("asyncio")
    if hasattr(Clock, "_async_event"):  # the interrupt clock (display.kivyconf)
        Clock._async_wait_for = _wait_or_time_out
    try:
        await app.async_run(async_lib=None)  # the clock is set up above
    finally:
        await app.stop_tasks()
