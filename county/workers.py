"""``serve --workers N``: N server processes on one port, so ingest is not held to one core.

One county process decodes and folds every hall's events on one event loop; on a machine
where PostgreSQL and that loop share the cores, the loop was the limit. Each worker is the
whole server (:func:`county.serve.serve`) on its own connection pool, accepting on one
listening socket that this parent opened: the workers waiting on it race to accept each
new connection (2,000 halls' connections split 1,038 / 989 in the benchmark). A hall keeps its
keep-alive connection, so its batches mostly reach the same worker and find its live state
cached there; when one moves, the worker reads the state the other committed (the cache is
tagged with the row's (epoch, seq)). Halls' rows are locked ``FOR UPDATE`` in each commit,
so two workers never interleave a hall's events. State kept in memory is per worker: the
login rate limit is shared out between them (see :class:`county.accounts.Accounts`).

This parent only supervises: it starts a new worker for one that dies (and gives up when
workers keep dying as soon as they start), and stops them all (``SIGTERM``, then
``SIGKILL``) when it is told to stop.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType

from .settings import Settings

log = logging.getLogger("county")
STARTUP_S = 15.0  # a worker that exits sooner than this after its start failed quickly
QUICK_FAILURES = 3  # in a row (no database, a broken install): give up rather than loop
STOP_S = 10.0


def supervise(settings: Settings, target: Callable[[Settings, socket.socket], None]) -> None:
    """Run ``target(settings, sock)`` in ``settings.workers`` processes until SIGINT/SIGTERM,
    all on one listening ``sock`` for ``settings``' address."""
    try:
        sock = socket.create_server((settings.host, settings.port), backlog=4096)
    except OSError as exc:
        raise SystemExit(f"无法监听 {settings.host}:{settings.port}：{exc.strerror}（端口是否已被占用？）") from None
    ctx = multiprocessing.get_context("spawn")
    stopping = threading.Event()  # set by a signal, between two waits

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    workers: dict[BaseProcess, float] = {}

    def spawn() -> None:
        proc = ctx.Process(target=target, args=(settings, sock), daemon=True)
        proc.start()
        workers[proc] = time.monotonic()

    for _ in range(settings.workers):
        spawn()
    failed = None
    quick = 0
    try:
        while not stopping.is_set():
            wait([p.sentinel for p in workers], timeout=0.5)
            for proc in [p for p in workers if not p.is_alive()]:
                started = workers.pop(proc)
                if stopping.is_set():
                    break
                quick = quick + 1 if time.monotonic() - started < STARTUP_S else 0
                if quick >= QUICK_FAILURES:
                    failed = proc.exitcode
                    stopping.set()
                    break
                log.error("county worker %s exited (%s); starting another", proc.pid, proc.exitcode)
                spawn()
    finally:
        for proc in workers:
            if proc.is_alive() and proc.pid is not None:
                proc.terminate()
        deadline = time.monotonic() + STOP_S
        for proc in workers:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join()
        sock.close()
    if failed is not None:
        raise SystemExit(f"县级服务器工作进程启动失败（退出码 {failed}），请查看上面的日志")
