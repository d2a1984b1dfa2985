"""Shared kiosk widgets; their looks are in widgets.kv."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.properties import ColorProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from bianmin.autofit import FitLabel  # noqa: F401  (in the Factory for the .kv files)
from bianmin.text import break_lines
from kiosk import theme


class Tappable(ButtonBehavior, BoxLayout):
    """A big touch target: a rounded panel that darkens while pressed."""

    bg = ColorProperty(theme.TILE)
    bg_down = ColorProperty(theme.TILE_DOWN)
    edge = ColorProperty(theme.EDGE)


class BigButton(ButtonBehavior, Label):
    """A coloured button with large white text."""

    bg = ColorProperty(theme.GREEN)
    bg_down = ColorProperty(theme.GREEN_DOWN)


class WrapLabel(Label):
    """A label as tall as its text, broken into lines by the rules for Chinese (``wrapped``)."""

    wrapped = StringProperty("")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._rewrap_soon = Clock.create_trigger(self._rewrap, -1)
        for name in ("wrapped", "width", "font_size", "font_name", "bold", "padding"):
            self.fbind(name, self._rewrap_soon)
        self._rewrap_soon()

    def _rewrap(self, *_args: object) -> None:
        width = self.width - self.padding[0] - self.padding[2]
        if width < 50:
            self.text = self.wrapped
            return
        core = CoreLabel(font_name=self.font_name, font_size=self.font_size, bold=self.bold)
        # A little slack, so Kivy's own wrapping never breaks our lines again.
        lines = break_lines(self.wrapped, width * 0.98, lambda s: core.get_extents(s)[0])
        self.text = "\n".join(lines)
