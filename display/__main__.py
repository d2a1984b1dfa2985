"""``python -m display --server http://127.0.0.1:8000 [--windowed --size 1280x720]``."""

from __future__ import annotations

import asyncio
import os
import sys

os.environ.setdefault("KIVY_NO_ARGS", "1")  # before anything imports Kivy


def main(argv: list[str] | None = None) -> int:
    from display.settings import from_args

    settings = from_args(argv)
    from display.kivyconf import configure

    configure(settings)
    from bianmin.fonts import FontError
    from display.app import DisplayApp, run_app

    try:
        app = DisplayApp(settings)
    except ValueError as exc:  # a bad --audio/--voice choice: say so plainly
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(run_app(app))
    except FontError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C in `make run` stops the board quietly
        return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
