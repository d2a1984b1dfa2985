"""``FitLabel``: a Kivy label whose font shrinks until its text fits its box, never ellipsised.

Halls run the same screens at 800×600 and at 1920×1080 and in portrait. A size chosen
for one cuts text at another, and Kivy's ``shorten`` turns 农村经济管理 and 农村合作医疗
into 农村…理 and 农村…疗, which no one can tell apart. Here the text is measured once
whenever it, the box or the font changes (never per frame): one line at the largest
size that fits, or, with ``max_lines`` > 1, wrapped when one line would go below
``min_scale`` of ``max_font_size``. Import only from a Kivy app (it loads Kivy).
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.core.text.markup import MarkupLabel
from kivy.factory import Factory
from kivy.properties import NumericProperty
from kivy.uix.label import Label

SMALLEST = 6.0  # px: below this nothing is legible anyway


def measure(label: Label, font_size: float, wrap_width: float | None) -> tuple[float, float]:
    """The size of ``label``'s text drawn at ``font_size`` (wrapped at ``wrap_width``)."""
    kind = MarkupLabel if label.markup else CoreLabel
    core = kind(
        text=label.text,
        font_size=font_size,
        font_name=label.font_name,
        bold=label.bold,
        italic=label.italic,
        text_size=(wrap_width, None),
        halign=label.halign,
    )
    core.refresh()
    return float(core.size[0]), float(core.size[1])


def fitted_size(
    label: Label, max_size: float, width: float, height: float, max_lines: int = 1, min_scale: float = 0.6
) -> float:
    """The largest font size (≤ ``max_size``) at which ``label``'s text fits ``width``×``height``."""
    if not label.text or width <= 0 or height <= 0:
        return max_size
    w, h = measure(label, max_size, None)
    scale = min(1.0, width / max(w, 1.0), height / max(h, 1.0))
    size = max(SMALLEST, int(max_size * scale * 0.98))
    if max_lines > 1 and size < max_size * min_scale:
        wrapped = max_size
        while wrapped > size:
            ww, wh = measure(label, wrapped, width)
            if wh <= height and ww <= width and wh <= wrapped * 1.5 * max_lines:
                return wrapped
            wrapped = int(wrapped * 0.92)
    while size > SMALLEST:  # rounding and kerning: check, and step down if still over
        w, h = measure(label, size, None)
        if w <= width and h <= height:
            break
        size = max(SMALLEST, int(size * 0.95))
    return size


class FitLabel(Label):
    """A label drawn at the largest ``font_size`` up to ``max_font_size`` that fits its box.

    Set ``max_font_size`` (not ``font_size``) in the .kv file, and ``text_size: self.size``
    to align it. With ``max_lines`` > 1 the text wraps at the box's width when one line
    would be too small.
    """

    max_font_size = NumericProperty(24.0)
    max_lines = NumericProperty(1)
    min_scale = NumericProperty(0.6)

    def __init__(self, **kwargs: Any):
        self._fit = Clock.create_trigger(self.fit, -1)
        super().__init__(**kwargs)
        self.fbind("text", self._fit)
        self.fbind("size", self._fit)
        self.fbind("max_font_size", self._fit)
        self.fbind("font_name", self._fit)
        self.fbind("bold", self._fit)
        self.fbind("padding", self._fit)

    def fit(self, *_args: object) -> None:
        width = self.width - self.padding[0] - self.padding[2]
        height = self.height - self.padding[1] - self.padding[3]
        self.font_size = fitted_size(
            self, self.max_font_size, width, height, int(self.max_lines), float(self.min_scale)
        )


Factory.register("FitLabel", cls=FitLabel)
