"""The server's event loop: uvloop where it is installed, else asyncio's own.

uvloop runs the loop and its sockets in C. On a hall PC's two cores it took about a sixth
of the server's CPU per ticket off (``python -m bench.server``). It is a dependency on
Linux and macOS; elsewhere (Windows) the server runs on asyncio's loop unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on the server's event loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
