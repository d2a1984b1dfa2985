"""Kivy configuration from our settings; must run before any Kivy window module loads."""

from __future__ import annotations

import os

from kiosk.settings import KioskSettings


def configure(settings: KioskSettings) -> None:
    """Window size, fullscreen, frame cap and input, set in memory (config.ini is untouched)."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our argparse owns the command line
    from kivy.config import Config

    Config.set("graphics", "maxfps", str(settings.maxfps))
    width, height = settings.window_size
    if settings.windowed or settings.size:
        Config.set("graphics", "width", str(width))
        Config.set("graphics", "height", str(height))
    if settings.windowed:
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "resizable", "1")
        Config.set("kivy", "exit_on_escape", "1")
    else:
        # Lobby use: the whole screen, no cursor, and no key that quits.
        Config.set("graphics", "fullscreen", "1" if settings.size else "auto")
        Config.set("graphics", "show_cursor", "0")
        Config.set("graphics", "resizable", "0")
        Config.set("kivy", "exit_on_escape", "0")
    # The mouse is a single finger here: no red multitouch-emulation dots on right click.
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "keyboard_mode", "system")  # never pop up an on-screen keyboard
