"""The board's window, through the setup it shares with the kiosk (:mod:`bianmin.kivyconf`)."""

from __future__ import annotations

from bianmin.kivyconf import WindowPlan
from bianmin.kivyconf import configure as configure_window
from display.settings import DisplaySettings


def configure(settings: DisplaySettings) -> None:
    """Fullscreen at the screen's size (or ``--size``), or a window with ``--windowed``."""
    configure_window(
        WindowPlan(maxfps=settings.maxfps, size=settings.size, windowed=settings.windowed, position=settings.position)
    )
