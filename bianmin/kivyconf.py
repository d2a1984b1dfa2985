"""The Kivy window setup shared by the kiosk and the display; call before Kivy's window loads.

A hall PC often starts X with only our app and no window manager. Kivy's
``fullscreen = auto`` leaves the window resizing to a window manager, so without one the
app stays 800×600 at an offset with the rest of the screen black. We ask SDL for the
desktop size instead and open a real fullscreen window of exactly that size at 0,0.
Nothing here imports Kivy at module level: the server imports ``bianmin`` too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("bianmin.kivyconf")
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
    """The screen's current resolution, asked from the SDL2 that Kivy itself loads."""
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


@dataclass(frozen=True)
class WindowPlan:
    """How one app wants its window; :func:`configure` turns it into Kivy's Config."""

    maxfps: int
    size: tuple[int, int] | None = None  # None: the desktop's size when fullscreen
    windowed: bool = False
    windowed_size: tuple[int, int] | None = None  # a windowed run without ``size``
    position: tuple[int, int] | None = None  # a windowed run's top-left corner (make run)
    lobby: bool = False  # a resident's touchscreen (the kiosk): touch probed, no key quits it


def one_console_log() -> None:
    """Drop a plain stderr handler a library put on the root logger next to Kivy's own.

    python-escpos calls ``logging.basicConfig()`` when imported; with Kivy's console handler
    on the root logger too (``KIVY_LOG_MODE=KIVY``, the default) every line printed twice.
    """
    root = logging.getLogger()
    if any(type(h).__name__ == "ConsoleHandler" for h in root.handlers):
        for handler in list(root.handlers):
            if type(handler) is logging.StreamHandler:
                root.removeHandler(handler)


def configure(plan: WindowPlan) -> tuple[int, int] | None:
    """Set Kivy's Config in memory (config.ini is untouched); returns the window size asked."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our argparse owns the command line
    from kivy.config import Config

    one_console_log()

    Config.set("graphics", "maxfps", str(plan.maxfps))
    # No MSAA: it multiplies the fill cost of every redraw and text needs none.
    Config.set("graphics", "multisamples", "0")
    size = plan.size
    if plan.windowed:
        size = size or plan.windowed_size
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "resizable", "1")
        Config.set("kivy", "exit_on_escape", "1")
        corner = plan.position
    else:
        # Fullscreen at the given size, else at the screen's own resolution, at 0,0.
        size = size or desktop_size()
        Config.set("graphics", "fullscreen", "1" if size else "auto")
        Config.set("graphics", "show_cursor", "0")
        Config.set("graphics", "resizable", "0")
        Config.set("kivy", "exit_on_escape", "0" if plan.lobby else "1")
        corner = (0, 0)
    if corner is not None:
        Config.set("graphics", "position", "custom")
        Config.set("graphics", "left", str(corner[0]))
        Config.set("graphics", "top", str(corner[1]))
    if size:
        Config.set("graphics", "width", str(size[0]))
        Config.set("graphics", "height", str(size[1]))
    # The mouse is a single finger: no red multitouch-emulation dots. A wall board has no
    # touch panel: no /dev/input probing there.
    Config.set("input", "mouse", "mouse,disable_multitouch")
    if not plan.lobby and Config.has_option("input", "%(name)s"):
        Config.remove_option("input", "%(name)s")
    Config.set("kivy", "keyboard_mode", "system")  # never pop up an on-screen keyboard
    return size
