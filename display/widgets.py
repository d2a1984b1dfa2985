"""Widgets of the hall board. Their looks live in ``display/kv/*.kv`` (one file each).

Each widget exposes plain properties; setting a property to the value it already has
dispatches nothing, so unchanged parts never cause a redraw.
"""

from __future__ import annotations

from kivy.animation import Animation
from kivy.clock import Clock, ClockEvent
from kivy.factory import Factory
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from bianmin.autofit import FitLabel  # also puts FitLabel in the Factory for the .kv
from display.present import NOTICE_SEPARATOR


class Header(BoxLayout):
    center_name = StringProperty("")
    audio_fault = StringProperty("")  # "" when sound works; else the mark shown (语音故障)
    duty_text = StringProperty("")  # today's duty with phones (今日值班：…), "" without a rota
    date_text = StringProperty("")
    clock_text = StringProperty("")


class CallPanel(BoxLayout):
    """The latest call, large. ``flash`` (0..1) pulses the background when a call is new."""

    number = StringProperty("")
    window = StringProperty("")
    recall = BooleanProperty(False)
    flash = NumericProperty(0.0)
    flashing = BooleanProperty(False)  # True while the pulse runs (the frame rate follows it)
    FLASHES = 3

    def pulse(self) -> None:
        Animation.cancel_all(self, "flash")
        self.flash = 0.0
        anim = Animation(flash=1.0, d=0.25) + Animation(flash=0.0, d=0.35)
        for _ in range(self.FLASHES - 1):
            anim += Animation(flash=1.0, d=0.25) + Animation(flash=0.0, d=0.35)
        anim.bind(on_complete=self._done)
        self.flashing = True
        anim.start(self)

    def _done(self, *_args: object) -> None:
        self.flashing = False


class RowList(GridLayout):
    """A grid (``cols`` wide) whose rows are ``row_class`` widgets updated in place.

    ``items`` is a list of dicts of row properties; rows are only created or removed when
    the count changes, otherwise each row's properties are set (and unchanged ones skip).
    """

    row_class = StringProperty("")
    items = ListProperty([])

    def on_items(self, _instance: object, rows: list) -> None:
        while len(self.children) > len(rows):
            self.remove_widget(self.children[0])
        while len(self.children) < len(rows):
            self.add_widget(getattr(Factory, self.row_class)())
        for widget, values in zip(reversed(self.children), rows, strict=True):
            for key, value in values.items():
                setattr(widget, key, value)


class WindowRowView(BoxLayout):
    index = NumericProperty(0)
    number = StringProperty("")
    name = StringProperty("")
    ticket = StringProperty("")
    status = StringProperty("")
    paused = BooleanProperty(False)
    clerk = StringProperty("")
    photo = StringProperty("")


class CallRowView(BoxLayout):
    number = StringProperty("")
    window = StringProperty("")
    recall = BooleanProperty(False)
    time = StringProperty("")


class WaitingCell(BoxLayout):
    code = StringProperty("")
    name = StringProperty("")
    count = StringProperty("")


class Marquee(Widget):
    """The notices line. Everything it draws moves by whole pixels on a low-rate clock.

    ``page`` (default): one notice at a time slides in from the right in ``slide``
    seconds, stands still for ``hold`` seconds (a notice wider than the bar then scrolls
    to its end), then the next — the screen is still most of the time. ``scroll``: all
    notices as one line moving continuously at ``speed`` px/s (smooth; costs a redraw
    every step, so it suits PCs with a GPU). One notice that fits stands still.
    """

    notices = ListProperty([])
    mode = OptionProperty("page", options=["page", "scroll"])
    speed = NumericProperty(100.0)
    fps = NumericProperty(30)
    hold = NumericProperty(8.0)
    slide = NumericProperty(0.6)
    offset = NumericProperty(0.0)
    label = ObjectProperty(None, allownone=True)
    _event: ClockEvent | None = None
    _pos = 0.0  # exact position; ``offset`` is it rounded to whole pixels
    _index = -1
    _stop_at = 0.0
    _rate = 0.0
    _loop = False
    moving = BooleanProperty(False)  # True while the step clock runs

    def on_kv_post(self, _base: object) -> None:
        self.bind(notices=self._restart, size=self._restart, mode=self._restart)
        self._restart()

    def _cancel(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        self.moving = False

    def _start(self, *_args: object) -> None:
        self._event = Clock.schedule_interval(self._step, 1.0 / self.fps)
        self.moving = True

    def _restart(self, *_args: object) -> None:
        self._cancel()
        self._index = -1
        if self.mode == "scroll" or len(self.notices) == 1:
            self._show(NOTICE_SEPARATOR.join(self.notices), rate=self.speed, loop=True)
        else:
            self._next()

    def _next(self, *_args: object) -> None:
        if not self.notices:
            self.label.text = ""
            return
        self._index = (self._index + 1) % len(self.notices)
        self._show(self.notices[self._index], rate=self.width / self.slide, loop=False)

    def _show(self, text: str, rate: float, loop: bool) -> None:
        self._cancel()
        self.label.text = text
        self.label.texture_update()  # know the width now, not next frame
        width = self.label.texture_size[0]
        fits = width <= self.width
        if fits and (loop or len(self.notices) == 1):
            self._pos = self.offset = max(0.0, (self.width - width) / 2)
            return  # nothing to move: no clock at all
        self._pos = float(self.width)
        self._stop_at = (self.width - width) / 2 if fits else 0.0
        self._rate, self._loop = rate, loop
        self._start()

    def _step(self, dt: float) -> None:
        width = self.label.texture_size[0]
        self._pos -= self._rate * dt
        if self._loop:
            if self._pos < -width:
                self._pos = float(self.width)
        elif self._pos <= self._stop_at:
            self._pos = self._stop_at
            self._cancel()
            end = self.width - width
            if self._stop_at > end:  # too wide: read the start, then scroll to the end
                self._stop_at, self._rate = end, self.speed
                self._event = Clock.schedule_once(self._start, self.hold / 2)
            else:
                self._event = Clock.schedule_once(self._next, self.hold)
        self.offset = round(self._pos)  # whole pixels: crisp text


class OfflineBanner(FitLabel):
    shown = BooleanProperty(False)
