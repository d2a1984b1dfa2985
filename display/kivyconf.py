"""The board's window, through the setup it shares with the kiosk (:mod:`bianmin.kivyconf`)."""

from __future__ import annotations

import os

from bianmin.kivyconf import WindowPlan
from bianmin.kivyconf import configure as configure_window
from display.settings import DisplaySettings


def configure(settings: DisplaySettings) -> None:
    """Fullscreen at the screen's size (or ``--size``), or a window with ``--windowed``.

    The interrupt clock lets anything scheduled (a label's new text, a call) wake the
    frame loop at once, so the board can tick slowly while nothing moves (display.app)."""
    os.environ.setdefault("KIVY_CLOCK", "interrupt")
    configure_window(
        WindowPlan(maxfps=settings.maxfps, size=settings.size, windowed=settings.windowed, position=settings.position)
    )
