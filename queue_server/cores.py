"""Where the server's threads run: the event loop and the writer thread share one core.

Every change makes a round trip between the event loop and the writer thread: the loop
hands the group over, the writer commits it and hands the results back. With the two
threads on different cores, each handoff waits for the other core to wake up when it had
gone idle. On this project's 2-core test machine (a virtual machine) the slowest issue in a
hundred took 2.3–5.4 ms, against 0.65 ms for most (``python -m bench.core``); with the two
threads on one core it took 0.9–2 ms in every run in which the hypervisor took at most 6 %
of the machine's CPU time, and mostly more when it took more (``bench.core`` prints that
share, as steal). On one core the woken thread runs as soon as the other one waits,
and the GIL lets only one of them run Python at a time anyway.

Every other thread keeps every core (:func:`any_core`): the checkpoints, the reads, the
password hashing and ``asyncio.to_thread`` work (exports, backups, photos) run beside the
loop, not on its core.

Not under libfaketime (``LD_PRELOAD``), as the tests that move the clock run the server:
its wrapped timed waits stall the two threads' hand-over of the GIL on one core, and each
ticket took about a second to issue.
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_all: set[int] | None = None  # the cores the process had before share_core


def share_core() -> None:
    """Keep the calling thread, and the threads it starts from now on, on the core it runs on.

    The event loop's thread calls this before it opens the store, whose writer thread it
    starts. A no-op with one core, where the system has no CPU affinity (not Linux), and
    under libfaketime."""
    global _all
    if "faketime" in os.environ.get("LD_PRELOAD", ""):
        return
    with contextlib.suppress(AttributeError, OSError):
        allowed = os.sched_getaffinity(0)
        if len(allowed) < 2:
            return
        cpu = _current_cpu()
        os.sched_setaffinity(0, {cpu if cpu in allowed else max(allowed)})
        _all = allowed


def any_core() -> None:
    """Let the calling thread run on every core the process had (after :func:`share_core`)."""
    if _all is not None:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, _all)


def free_executor() -> ThreadPoolExecutor:
    """The loop's default executor (``asyncio.to_thread``), its threads on every core."""
    return ThreadPoolExecutor(initializer=any_core)


def _current_cpu() -> int:
    """The core the calling thread last ran on (field 39 of its ``stat``), or -1."""
    try:
        return int(Path("/proc/thread-self/stat").read_text().rsplit(")", 1)[1].split()[36])
    except (OSError, ValueError, IndexError):
        return -1
