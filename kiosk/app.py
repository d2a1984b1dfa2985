"""The Kivy kiosk app: four screens driven by :class:`kiosk.controller.KioskController`.

Import only after :func:`kiosk.kivyconf.configure` (it sets the window up). The app is
the controller's :class:`~kiosk.controller.View`; screens only bind properties.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from bianmin import fonts
from bianmin.fontcover import FontChoice
from bianmin.health import HealthReporter, app_version
from bianmin.prompts import PromptVoice
from bianmin.protocol import DeviceHealth
from bianmin.sinks import NullSink, make_sink
from kiosk import present, theme
from kiosk.api_client import KioskApi
from kiosk.checkin import CheckinModel
from kiosk.controller import KioskController, TicketPrinter
from kiosk.guides import GuidesModel, GuideStatus
from kiosk.present import HomeModel, MattersModel, MessageModel, PrintStatus, TicketModel
from kiosk.printer_link import KioskPrinter
from kiosk.printing import raster
from kiosk.screens import KV_FILES
from kiosk.screens.checkin import CheckinScreen
from kiosk.screens.guides import GuidesScreen
from kiosk.screens.home import HomeScreen
from kiosk.screens.matters import MattersScreen
from kiosk.screens.message import MessageScreen
from kiosk.screens.ticket import TicketScreen
from kiosk.settings import KioskSettings

log = logging.getLogger("kiosk.app")


class KioskRoot(ScreenManager):
    """Every touch first tells the controller someone is there (the idle clock)."""

    def on_touch_down(self, touch):
        app = App.get_running_app()
        if app.controller is not None:
            app.controller.touched()
        return super().on_touch_down(touch)


class _KeepRunning(ExceptionHandler):
    """A bug in a touch handler is logged; the lobby kiosk keeps running."""

    def handle_exception(self, inst):
        if not isinstance(inst, Exception):  # Ctrl-C, a cancelled loop, SystemExit: do stop
            return ExceptionManager.RAISE
        log.error("UI error", exc_info=inst)
        return ExceptionManager.PASS


class KioskApp(App):
    """Build with :func:`build_app`; run with :func:`run_app`."""

    scale = NumericProperty(1.0)  # window short side / 1080: all sizes in the .kv files use it
    portrait = BooleanProperty(True)
    controller = ObjectProperty(None, allownone=True)

    def __init__(self, settings: KioskSettings, printer: TicketPrinter | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.settings = settings
        self.printer = printer
        self.api: KioskApi | None = None
        self.main_task: asyncio.Task | None = None
        self.voice: PromptVoice | None = None
        self.voice_task: asyncio.Task | None = None
        self.title = "便民取号机"

    def build(self):
        fonts.register()
        for path in KV_FILES:
            Builder.load_file(str(path))
        self.home_screen = HomeScreen(name="home")
        self.matters_screen = MattersScreen(name="matters")
        self.ticket_screen = TicketScreen(name="ticket")
        self.message_screen = MessageScreen(name="message")
        self.guides_screen = GuidesScreen(name="guides")
        self.screens = {
            s.name: s for s in (self.home_screen, self.matters_screen, self.ticket_screen, self.message_screen)
        }
        self.screens["guides"] = self.guides_screen
        self.checkin_screen = self.screens["checkin"] = CheckinScreen(name="checkin")
        root = KioskRoot(transition=NoTransition())
        for screen in self.screens.values():
            root.add_widget(screen)
        root.current = "message"
        Window.clearcolor = theme.PAGE
        Window.bind(size=self._resized, on_textinput=self._typed, on_key_down=self._key_down)
        self._resized(Window, Window.size)
        return root

    def _resized(self, _window: object, size: tuple[int, int]) -> None:
        width, height = size
        self.scale = max(0.3, min(width, height) / theme.BASE)
        self.portrait = height >= width

    def _typed(self, _window: object, text: str) -> None:
        """A keyboard-wedge QR scanner types a booking's code: it goes to the keypad."""
        if self.controller is not None:
            self.controller.checkin.typed(text)

    def _key_down(self, _window: object, key: int, *_args: object) -> None:
        if key in (13, 271) and self.controller is not None:  # Enter, keypad Enter
            self.controller.checkin.enter()

    def on_start(self) -> None:
        ExceptionManager.add_handler(_KeepRunning())
        if self.printer is None:
            self.printer = KioskPrinter(self.settings.printer, self.settings.paper)
        self.api = KioskApi(self.settings.server, self.settings.token)
        health = HealthReporter(
            self.settings.server,
            self.settings.token,
            DeviceHealth(version=app_version(), printer="unknown", paper="unknown"),
        )
        loop = asyncio.get_running_loop()
        say = None
        if self.settings.prompts:
            try:
                sink = make_sink(self.settings.audio)
            except ValueError as exc:  # the named player is not installed: no prompts, no crash
                log.warning("语音提示已关闭：%s", exc)
                sink = NullSink()
            self.voice = PromptVoice(sink, self.settings.prompt_volume)
            self.voice_task = loop.create_task(self.voice.run())
            say = self.voice.say
        self.controller = KioskController(self.api, self.printer, self, self.settings, health, say)
        self.main_task = loop.create_task(self.controller.run())
        self.main_task.add_done_callback(self._controller_ended)

    def _controller_ended(self, task: asyncio.Task) -> None:
        """The controller only returns when cancelled; anything else is a bug, shown as such."""
        if task.cancelled() or task.exception() is None:
            return
        log.error("the kiosk controller stopped", exc_info=task.exception())
        self.show_message(present.OUT_OF_ORDER)

    def on_stop(self) -> None:
        if self.main_task is not None:
            self.main_task.cancel()

    async def shutdown(self) -> None:
        """Close what :meth:`on_start` opened; call after ``async_run`` returns."""
        for task in (self.main_task, self.voice_task):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if self.controller is not None:
            await self.controller.close()
        if self.api is not None:
            await self.api.close()

    # ---- the controller's View -------------------------------------------------------------

    def _go(self, name: str) -> None:
        self.root.current = name

    def show_home(self, model: HomeModel) -> None:
        self.home_screen.set_model(model)
        self._go("home")

    def show_matters(self, model: MattersModel) -> None:
        self.matters_screen.set_model(model)
        self._go("matters")

    def show_ticket(self, model: TicketModel) -> None:
        self.ticket_screen.set_model(model)
        self._go("ticket")

    def show_print(self, status: PrintStatus) -> None:
        self.ticket_screen.set_print(status)

    def show_message(self, model: MessageModel) -> None:
        self.message_screen.set_model(model)
        self._go("message")

    def show_guides(self, model: GuidesModel) -> None:
        self.guides_screen.set_model(model)
        self._go("guides")

    def show_guide_status(self, status: GuideStatus) -> None:
        self.guides_screen.set_status(status)

    def show_checkin(self, model: CheckinModel) -> None:
        self.checkin_screen.set_model(model)
        self._go("checkin")

    def show_paper(self, low: bool) -> None:
        self.home_screen.paper_low = low

    def show_countdown(self, seconds: int | None) -> None:
        for screen in (self.ticket_screen, self.message_screen):
            screen.countdown = seconds or 0

    def use_fonts(self, choice: FontChoice) -> None:
        """The center's names need the extended subset: screens and tickets draw with it."""
        raster.use_fonts(choice.regular, choice.bold)
        for screen in self.screens.values():
            fonts.use(choice.regular, choice.bold, screen)


def build_app(settings: KioskSettings, printer: TicketPrinter | None = None) -> KioskApp:
    """The kiosk app for ``settings`` (``printer`` defaults to the one ``settings`` names)."""
    return KioskApp(settings, printer)


async def run_app(app: KioskApp) -> None:
    """Run until the window closes, then close the HTTP session and pending tasks."""
    try:
        await app.async_run(async_lib="asyncio")
    finally:
        await app.shutdown()
