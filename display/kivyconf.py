"""Kivy configuration from our settings; must run before any Kivy window module loads."""

from __future__ import annotations

import os

from display.settings import DisplaySettings


def configure(settings: DisplaySettings) -> None:
    """Window size, fullscreen, frame cap and input, set in memory (config.ini is untouched)."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our argparse owns the command line
    from kivy.config import Config

    Config.set("graphics", "maxfps", str(settings.maxfps))
    # No MSAA: it multiplies the fill cost of every redraw and text needs none.
    Config.set("graphics", "multisamples", "0")
    if settings.size:
        Config.set("graphics", "width", str(settings.size[0]))
        Config.set("graphics", "height", str(settings.size[1]))
    if settings.windowed:
        Config.set("graphics", "fullscreen", "0")
    else:
        # With a size, switch the screen to that mode; without, use the screen as it is.
        Config.set("graphics", "fullscreen", "1" if settings.size else "auto")
        Config.set("graphics", "show_cursor", "0")
    Config.set("graphics", "resizable", "1" if settings.windowed else "0")
    Config.set("kivy", "exit_on_escape", "1")
    # A wall screen has no touch panel: no /dev/input probing, no red multitouch dots.
    Config.set("input", "mouse", "mouse,disable_multitouch")
    if Config.has_option("input", "%(name)s"):
        Config.remove_option("input", "%(name)s")
