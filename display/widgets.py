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

BREAK_AFTER = frozenset("，。；、：！？,.;:!? ")  # a notice's page may end after these


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

    ``page`` (default): one notice at a time, standing still for ``hold`` seconds, then the
    next. A notice wider than the bar is cut into pages that fit, at punctuation where it
    can. With ``slide`` > 0 each page slides in from the right in that many seconds; the
    default 0 shows it at once, because on software GL every step of a slide redraws the
    whole window (the board's idle cost is almost all slide frames). ``scroll``: all
    notices as one line moving continuously at ``speed`` px/s (smooth; costs a redraw every
    step, so it suits PCs with a GPU). A single page, or a line that fits, stands still.
    """

    notices = ListProperty([])
    mode = OptionProperty("page", options=["page", "scroll"])
    speed = NumericProperty(100.0)
    fps = NumericProperty(30)
    hold = NumericProperty(8.0)
    slide = NumericProperty(0.0)
    offset = NumericProperty(0.0)
    label = ObjectProperty(None, allownone=True)
    pages = ListProperty([])  # page mode: the notices cut to the bar's width, shown in turn
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
        if self.mode == "scroll":
            self.pages = []
            self._show(NOTICE_SEPARATOR.join(self.notices), rate=self.speed, loop=True)
            return
        self.pages = [page for notice in self.notices for page in self._fit(notice)]
        self._next()

    def _text_width(self, text: str) -> float:
        self.label.text = text
        self.label.texture_update()
        return float(self.label.texture_size[0])

    def _fit(self, notice: str) -> list[str]:
        """``notice`` as pages no wider than the bar: the longest prefix that fits (binary
        search on the drawn width), moved back to just after punctuation if that is near."""
        pages: list[str] = []
        rest = notice.strip()
        while rest:
            if self.width <= 0 or self._text_width(rest) <= self.width:
                pages.append(rest)
                break
            lo, hi = 1, len(rest) - 1  # the longest prefix that fits has lo characters
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if self._text_width(rest[:mid]) <= self.width:
                    lo = mid
                else:
                    hi = mid - 1
            cut = next((j for j in range(lo, max(lo - 10, 0), -1) if rest[j - 1] in BREAK_AFTER), lo)
            pages.append(rest[:cut])
            rest = rest[cut:].lstrip()
        return pages

    def _next(self, *_args: object) -> None:
        self._cancel()
        if not self.pages:
            self.label.text = ""
            return
        self._index = (self._index + 1) % len(self.pages)
        if self.slide > 0 and len(self.pages) > 1:
            self._show(self.pages[self._index], rate=self.width / self.slide, loop=False)
            return
        width = self._text_width(self.pages[self._index])
        self._pos = self.offset = round(max(0.0, (self.width - width) / 2))
        if len(self.pages) > 1:
            self._event = Clock.schedule_once(self._next, self.hold)

    def _show(self, text: str, rate: float, loop: bool) -> None:
        self._cancel()
        width = self._text_width(text)
        fits = width <= self.width
        if fits and loop:
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
