"""The kiosk's window, through the setup it shares with the display (:mod:`bianmin.kivyconf`)."""

from __future__ import annotations

from bianmin.kivyconf import WindowPlan
from bianmin.kivyconf import configure as configure_window
from kiosk.settings import WINDOWED, KioskSettings


def configure(settings: KioskSettings) -> None:
    """Fullscreen at the screen's size (or ``--size``), or a window with ``--windowed``."""
    configure_window(
        WindowPlan(
            maxfps=settings.maxfps,
            size=settings.size,
            windowed=settings.windowed,
            windowed_size=WINDOWED,
            position=settings.position,
            lobby=True,
        )
    )
