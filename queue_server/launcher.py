"""``make run``: the whole hall on one PC — server, and the kiosk and display when a screen exists.

On an empty database it creates demo accounts (clearly marked, printed once) so a newcomer
can try every part at once. The board and the kiosk open side by side in windows, their
Kivy start-up lines kept quiet, and the demo banner is printed last so it stays on screen.
Ticket QR codes carry this PC's LAN address (phones cannot open 127.0.0.1).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import socket
import sys
from pathlib import Path

from .accounts import Accounts
from .store import Store

VAR = Path("var")
DB = VAR / "queue.db"
DEMO_FILE = VAR / "demo-accounts.txt"
PORT = int(os.environ.get("BIANMIN_PORT", "8000"))
# Side by side on a developer's 1920x1080 screen: the board 1280x720 at the left, the
# kiosk in portrait at half size (540x960) to its right.
BOARD_WINDOW = ("1280x720", "0,0")
KIOSK_WINDOW = ("540x960", "1300,0")


def lan_address() -> str | None:
    """This PC's address on the hall LAN, or None when it has none but loopback.

    Connecting a UDP socket sends nothing: the kernel only picks the route and the source
    address it would use, which is the address phones on the LAN can reach.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="make run", description="便民大厅演示：服务器、取号机和显示屏")
    p.add_argument(
        "--public-url",
        default=os.environ.get("BIANMIN_PUBLIC_URL"),
        help="the address phones open from the ticket QR code, e.g. http://192.168.1.20:8000 "
        "(default: this PC's LAN address, detected; env BIANMIN_PUBLIC_URL)",
    )
    return p.parse_args(argv)


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


def _demo_text(demo: dict) -> str:
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
    DEMO_FILE.write_text(text, encoding="utf-8")
    DEMO_FILE.chmod(0o600)
    return text


def _phone_lines(public_url: str | None, detected: bool) -> str:
    """How phones reach the hall, and plainly how to change it."""
    how = "  地址不对时请指定：make run ARGS='--public-url http://本机局域网地址:端口'（或设 BIANMIN_PUBLIC_URL）"
    if public_url is None:
        return f"  手机扫码地址：没有找到本机的局域网地址，号票二维码只能在本机打开\n{how}"
    where = "（自动检测的本机局域网地址）" if detected else ""
    return f"  手机扫码地址：{public_url}{where}，服务器在局域网内可访问\n{how}"


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


async def main(argv: list[str] | None = None) -> None:
    ns = parse_args(argv)
    # Handle stop signals from the very start, so children are never orphaned.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    VAR.mkdir(exist_ok=True)
    demo = await _demo_accounts()
    banner = _demo_text(demo) if demo else f"演示账号见 {DEMO_FILE}\n" if DEMO_FILE.exists() else ""
    py = sys.executable
    url = f"http://127.0.0.1:{PORT}"
    lan = None if ns.public_url else lan_address()
    public_url = ns.public_url or (f"http://{lan}:{PORT}" if lan else None)
    # Demo mode issues tickets on any day and hour, so a newcomer can try the whole flow;
    # set BIANMIN_OFFICE_HOURS=1 to keep the center's concentrated office days.
    hours = os.environ.get("BIANMIN_OFFICE_HOURS") == "1"
    serve = [py, "-m", "queue_server", "serve", "--db", str(DB), "--port", str(PORT)]
    if public_url:  # phones open the QR code's address: listen on the LAN too
        serve += ["--public-url", public_url, "--host", "0.0.0.0"]
    procs = [
        await asyncio.create_subprocess_exec(
            *serve, *([] if hours else ["--always-open"]), stdout=asyncio.subprocess.PIPE
        )
    ]
    relay = await _wait_started(procs[0])
    print(
        f"  工作人员叫号台：{url}/clerk\n  中心管理：      {url}/manage\n"
        f"  窗口屏：        {url}/window/1 （1 换成窗口号）\n  大厅电视：      {url}/tv\n"
        f"  大厅实时状态：  {url}/api/snapshot\n  办事指南示例：  {url}/g/A1",
        flush=True,
    )
    if not hours:
        print("  演示模式：任何时间都可以取号（BIANMIN_OFFICE_HOURS=1 按集中办公时间取号）", flush=True)
    print(_phone_lines(public_url, detected=lan is not None), flush=True)
    screen = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    token = _demo_token("取号机令牌")
    display_token = _demo_token("显示屏令牌")
    # Kivy's start-up lines (versions, GL, providers) stay out of the demo's console.
    quiet = dict(os.environ)
    quiet.setdefault("KCFG_KIVY_LOG_LEVEL", "warning")
    if screen and not stop.is_set():
        size, corner = BOARD_WINDOW
        board = [py, "-m", "display", "--server", url, "--windowed", "--size", size, "--position", corner]
        board += ["--token", display_token] if display_token else []
        procs.append(await asyncio.create_subprocess_exec(*board, env=quiet))
        if token:
            size, corner = KIOSK_WINDOW
            kiosk = [py, "-m", "kiosk", "--server", url, "--token", token, "--printer", "preview:var/tickets"]
            kiosk += ["--windowed", "--size", size, "--position", corner]
            procs.append(await asyncio.create_subprocess_exec(*kiosk, env=quiet))
    elif not screen:
        print("  （没有检测到显示器：只启动服务器；取号机和显示屏需要图形界面）", flush=True)
    if banner:
        print(banner, end="", flush=True)  # last, so it stays on screen
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
        asyncio.run(main(sys.argv[1:]))
