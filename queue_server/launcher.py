"""``make run``: the whole hall on one PC — server, and the kiosk and display when a screen exists.

On an empty database it creates demo accounts (clearly marked, printed once) so a newcomer
can try every part at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
from pathlib import Path

from .accounts import Accounts
from .store import Store

VAR = Path("var")
DB = VAR / "queue.db"
DEMO_FILE = VAR / "demo-accounts.txt"
PORT = int(os.environ.get("BIANMIN_PORT", "8000"))


async def _demo_accounts() -> dict | None:
    """Create demo clerks and devices on an empty database; returns them, or None if not empty."""
    store = await Store.open(DB)
    try:
        accounts = Accounts(store)
        if await accounts.count_clerks():
            return None
        password = "demo-" + secrets.token_hex(3)
        await accounts.add_clerk("demo1", "演示工作人员一", [1, 2], password)
        await accounts.add_clerk("demo2", "演示工作人员二", [3, 4], password)
        await accounts.add_clerk("demo-admin", "演示负责人", [], password, role="manager")
        _, kiosk = await accounts.add_device("kiosk", "演示取号机")
        _, display = await accounts.add_device("display", "演示显示屏")
        return {"password": password, "kiosk": kiosk, "display": display}
    finally:
        await store.close()


def _print_demo(demo: dict) -> None:
    text = (
        "==================== 演示账号（仅供试用，正式使用前请删除） ====================\n"
        f"  工作人员  demo1 / {demo['password']}  （1、2 号窗口）\n"
        f"  工作人员  demo2 / {demo['password']}  （3、4 号窗口）\n"
        f"  中心负责人  demo-admin / {demo['password']}  （中心管理 /manage）\n"
        f"  取号机令牌  {demo['kiosk']}\n"
        f"  显示屏令牌  {demo['display']}\n"
        "  正式使用前：用 demo-admin 登录 /manage，添加您自己的负责人账号，再用新账号登录，\n"
        "  在『工作人员』页点『移除演示账号』（停用演示账号、吊销演示设备）。\n"
        "================================================================================\n"
    )
    print(text, flush=True)
    DEMO_FILE.write_text(text, encoding="utf-8")
    DEMO_FILE.chmod(0o600)


STARTED = "已启动"  # what ``serve`` prints once it is listening


async def _wait_started(proc: asyncio.subprocess.Process) -> asyncio.Task[None]:
    """Relay the server's output; return once it says it is listening (the task keeps relaying).

    Its own line, not ``/healthz``: a server already running on the port would answer that."""
    assert proc.stdout is not None
    started = asyncio.get_running_loop().create_future()

    async def relay() -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            line = raw.decode("utf-8", "replace")
            sys.stdout.write(line)
            sys.stdout.flush()
            if STARTED in line and not started.done():
                started.set_result(None)
        if not started.done():
            started.set_result(None)

    task = asyncio.create_task(relay())
    try:
        async with asyncio.timeout(20):
            await started
    except TimeoutError:
        raise SystemExit("服务器 20 秒内没有启动") from None
    if proc.returncode is None:
        await asyncio.sleep(0)  # let an exit that raced the line be seen
    if proc.returncode is not None or task.done():
        await proc.wait()
        raise SystemExit(f"服务器没有启动（退出码 {proc.returncode}），请查看上面的错误信息")
    return task


def _demo_token(label: str) -> str | None:
    if not DEMO_FILE.exists():
        return None
    for line in DEMO_FILE.read_text(encoding="utf-8").splitlines():
        if label in line:
            return line.split()[-1]
    return None


async def main() -> None:
    # Handle stop signals from the very start, so children are never orphaned.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    VAR.mkdir(exist_ok=True)
    demo = await _demo_accounts()
    if demo:
        _print_demo(demo)
    elif DEMO_FILE.exists():
        print(f"演示账号见 {DEMO_FILE}", flush=True)
    py = sys.executable
    url = f"http://127.0.0.1:{PORT}"
    # Demo mode issues tickets on any day and hour, so a newcomer can try the whole flow;
    # set BIANMIN_OFFICE_HOURS=1 to keep the center's concentrated office days.
    hours = os.environ.get("BIANMIN_OFFICE_HOURS") == "1"
    serve = [py, "-m", "queue_server", "serve", "--db", str(DB), "--port", str(PORT)]
    procs = [
        await asyncio.create_subprocess_exec(
            *serve, *([] if hours else ["--always-open"]), stdout=asyncio.subprocess.PIPE
        )
    ]
    relay = await _wait_started(procs[0])
    print(
        f"  工作人员叫号台：{url}/clerk\n  中心管理：      {url}/manage\n"
        f"  大厅实时状态：  {url}/api/snapshot\n  办事指南示例：  {url}/g/A1",
        flush=True,
    )
    if not hours:
        print("  演示模式：任何时间都可以取号（BIANMIN_OFFICE_HOURS=1 按集中办公时间取号）", flush=True)
    screen = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    token = _demo_token("取号机令牌")
    display_token = _demo_token("显示屏令牌")
    if screen and not stop.is_set():
        board = [py, "-m", "display", "--server", url, "--windowed"]
        procs.append(
            await asyncio.create_subprocess_exec(*board, *(["--token", display_token] if display_token else []))
        )
        if token:
            procs.append(
                await asyncio.create_subprocess_exec(
                    py,
                    "-m",
                    "kiosk",
                    "--server",
                    url,
                    "--token",
                    token,
                    "--printer",
                    "preview:var/tickets",
                    "--windowed",
                )
            )
    elif not screen:
        print("  （没有检测到显示器：只启动服务器；取号机和显示屏需要图形界面）", flush=True)
    server_exit = asyncio.create_task(procs[0].wait())
    await asyncio.wait([asyncio.create_task(stop.wait()), server_exit], return_when=asyncio.FIRST_COMPLETED)
    if server_exit.done() and not stop.is_set():
        print(f"服务器已停止运行（退出码 {procs[0].returncode}），取号机和显示屏随之关闭", flush=True)
    for p in procs:
        if p.returncode is None:
            p.terminate()
    for p in procs:
        await p.wait()
    await relay


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
