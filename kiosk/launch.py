"""App mode of ``python -m kiosk`` (parsed by :mod:`kiosk.cli`, the one entry point):
``--server URL --token T --printer SPEC [--windowed --size WxH]``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

os.environ.setdefault("KIVY_NO_ARGS", "1")  # before anything imports Kivy

from kiosk.settings import SettingsError, from_args


def run(ns: argparse.Namespace) -> int:
    """Start the kiosk from parsed options; returns the exit status."""
    try:
        settings = from_args(ns)
    except SettingsError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    from kiosk.kivyconf import configure

    configure(settings)
    if not logging.getLogger().handlers:  # KIVY_LOG_MODE=PYTHON may leave logging to us
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("kiosk").setLevel(logging.INFO)
    from bianmin.fonts import FontError
    from kiosk.app import build_app, run_app

    try:
        asyncio.run(run_app(build_app(settings)))
    except FontError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0
