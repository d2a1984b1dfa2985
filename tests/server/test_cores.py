"""The real server process: its event loop and writer thread share one core, on uvloop.

(:mod:`queue_server.cores`: every change is a handoff between those two threads, and a
handoff to an idle core waits for it to wake.) The other threads keep every core."""

import asyncio
import os
from pathlib import Path

import aiohttp
import pytest

pytestmark = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two cores")


def _affinities(pid: int) -> dict[int, set[int]]:
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for line in (task / "status").read_text().splitlines():
            if line.startswith("Cpus_allowed_list:"):
                cpus: set[int] = set()
                for part in line.split(":", 1)[1].strip().split(","):
                    lo, _, hi = part.partition("-")
                    cpus.update(range(int(lo), int(hi or lo) + 1))
                out[int(task.name)] = cpus
    return out


async def test_loop_and_writer_share_a_core_and_the_rest_keep_all(server):
    every = os.sched_getaffinity(0)
    async with aiohttp.ClientSession() as http:
        for i in range(3):  # a write (the writer thread), then an idle pause (a checkpoint)
            body = {"category": "A", "request_id": f"cores-{i}"}
            headers = {"Authorization": f"Bearer {server.kiosk}"}
            async with http.post(server.url + "/api/tickets", json=body, headers=headers) as r:
                assert r.status == 201, await r.text()
                token = (await r.json())["token"]
        async with http.get(f"{server.url}/api/tickets/{token}") as r:
            assert r.status == 200  # a read: the reader thread
        await asyncio.sleep(1.0)  # CHECKPOINT_IDLE: the checkpoint thread has started
    threads = _affinities(server.pid)
    loop_core = threads.pop(server.pid)  # the main thread runs the event loop
    assert len(loop_core) == 1, loop_core
    assert sum(1 for cpus in threads.values() if cpus == loop_core) >= 1, threads  # the writer
    assert sum(1 for cpus in threads.values() if cpus == every) >= 2, threads  # reader, checkpoint
    maps = Path(f"/proc/{server.pid}/maps").read_text()
    assert "uvloop" in maps  # the server runs on uvloop's event loop
