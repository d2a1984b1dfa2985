"""Kivy configuration from our settings; must run before any Kivy window module loads."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
from pathlib import Path

from display.settings import DisplaySettings

log = logging.getLogger("display")
SDL_INIT_VIDEO = 0x20


class _DisplayMode(ctypes.Structure):
    _fields_ = [
        ("format", ctypes.c_uint32),
        ("w", ctypes.c_int),
        ("h", ctypes.c_int),
        ("refresh_rate", ctypes.c_int),
        ("driverdata", ctypes.c_void_p),
    ]


def desktop_size() -> tuple[int, int] | None:
    """The screen's current resolution, asked from the SDL2 that Kivy itself loads.

    Kivy's ``fullscreen = auto`` relies on a window manager to resize the window; a hall
    PC that starts X with only our app has none, and the board would stay 800×600. With
    the size known we ask for a real fullscreen window of exactly that size instead.
    """
    import kivy

    bundled = sorted((Path(kivy.__file__).parent.parent / "Kivy.libs").glob("libSDL2-2*.so*"))
    name = str(bundled[0]) if bundled else ctypes.util.find_library("SDL2")
    if not name:
        return None
    try:
        sdl = ctypes.CDLL(name)
        if sdl.SDL_InitSubSystem(SDL_INIT_VIDEO) != 0:
            return None
        try:
            mode = _DisplayMode()
            if sdl.SDL_GetDesktopDisplayMode(0, ctypes.byref(mode)) != 0:
                return None
            return (mode.w, mode.h) if mode.w > 0 and mode.h > 0 else None
        finally:
            sdl.SDL_QuitSubSystem(SDL_INIT_VIDEO)
    except (OSError, AttributeError) as exc:
        log.warning("无法读取屏幕分辨率：%s", exc)
        return None


def configure(settings: DisplaySettings) -> None:
    """Window size, fullscreen, frame cap and input, set in memory (config.ini is untouched)."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our argparse owns the command line
    from kivy.config import Config

    Config.set("graphics", "maxfps", str(settings.maxfps))
    # No MSAA: it multiplies the fill cost of every redraw and text needs none.
    Config.set("graphics", "multisamples", "0")
    size = settings.size
    if settings.windowed:
        Config.set("graphics", "fullscreen", "0")
    else:
        # Fullscreen at the given size, else at the screen's own resolution.
        size = size or desktop_size()
        Config.set("graphics", "fullscreen", "1" if size else "auto")
        Config.set("graphics", "show_cursor", "0")
    if size:
        Config.set("graphics", "width", str(size[0]))
        Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "resizable", "1" if settings.windowed else "0")
    Config.set("kivy", "exit_on_escape", "1")
    # A wall screen has no touch panel: no /dev/input probing, no red multitouch dots.
    Config.set("input", "mouse", "mouse,disable_multitouch")
    if Config.has_option("input", "%(name)s"):
        Config.remove_option("input", "%(name)s")
