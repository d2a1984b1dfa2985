"""``python -m queue_server serve | add-clerk | add-device | backup | restore | report | export-guides | inspect``."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sqlite3
import sys
from pathlib import Path

from bianmin.assets import FONT_REGULAR
from bianmin.center import Center, ConfigError, center_info, load_center

from . import cores, event_loop, guard, instance
from . import report as report_mod
from . import settings as settings_mod
from .accounts import ROLES, Accounts
from .app import create_app
from .errors import AppError
from .inspection import cli as inspection_cli
from .manage import backup
from .publish import cli as publish_cli
from .store import Store, fault_message


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m queue_server", description="便民排队叫号服务器")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the queue server")
    settings_mod.add_arguments(serve)
    clerk = sub.add_parser("add-clerk", help="create a clerk account")
    clerk.add_argument("--login", required=True)
    clerk.add_argument("--name", required=True)
    clerk.add_argument("--windows", default="", help="comma-separated window numbers (default: all)")
    clerk.add_argument(
        "--password-stdin", action="store_true", required=True, help="read the password from standard input"
    )
    clerk.add_argument(
        "--role",
        choices=ROLES,
        default="clerk",
        help="clerk (a window), manager (中心负责人: the console and every window) or agent (村级代办员)",
    )
    clerk.add_argument("--db", type=Path, default=Path("var/queue.db"))
    clerk.add_argument("--config", type=Path, default=None, help="center file, to check windows")
    dev = sub.add_parser("add-device", help="register a kiosk or display; prints its token once")
    dev.add_argument("--kind", choices=["kiosk", "display", "pad"], required=True)
    dev.add_argument("--name", required=True)
    dev.add_argument("--window", type=int, default=None, help="a rating pad's window (pad only)")
    dev.add_argument("--db", type=Path, default=Path("var/queue.db"))
    bak = sub.add_parser("backup", help="copy the database while the server runs (SQLite backup API)")
    bak.add_argument("--db", type=Path, default=Path("var/queue.db"))
    bak.add_argument("--out", type=Path, required=True, help="the backup file to write")
    res = sub.add_parser("restore", help="put a backup back (the server must be stopped)")
    res.add_argument("--db", type=Path, default=Path("var/queue.db"))
    res.add_argument("--from", dest="source", type=Path, required=True, help="the backup file to restore")
    report_mod.add_arguments(sub.add_parser("report", help="write the ledger and statistics of a range to xlsx or csv"))
    publish_cli.add_commands(sub)
    inspection_cli.add_commands(sub)
    return p


async def _serve(settings: settings_mod.Settings) -> None:
    instance.hold_for_process(settings.db)  # before anything touches the database
    cores.share_core()  # the loop's thread, and the store's writer thread started next
    asyncio.get_running_loop().set_default_executor(cores.free_executor())
    try:
        store = await Store.open(settings.db)
    except sqlite3.Error as exc:
        raise SystemExit(f"无法打开数据库 {settings.db}：{fault_message(exc)}（{exc}）") from None
    try:
        await store.check_writable()
    except sqlite3.Error as exc:
        await store.close()
        raise SystemExit(f"无法写入数据库 {settings.db}：{fault_message(exc)}（{exc}）") from None
    try:
        app = create_app(settings, store)
        runner = await guard.start(app, settings.host, settings.port)
    except BaseException:
        await store.close()
        raise
    # What start-up made (modules, the settings, today's line) lives as long as the server:
    # frozen out of the collector's view, a full collection costs only what the day adds.
    gc.collect()
    gc.freeze()
    print(f"便民排队叫号服务器已启动：{settings.base_url}  (数据库 {settings.db})", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await store.close()


async def _add_clerk(ns: argparse.Namespace) -> None:
    try:
        windows = [int(w) for w in ns.windows.split(",") if w.strip()]
    except ValueError:
        raise SystemExit("--windows 必须是逗号分隔的窗口号，例如 1,2") from None
    if ns.config:
        known = {w.number for w in load_center(ns.config).windows}
        bad = [w for w in windows if w not in known]
        if bad:
            raise SystemExit(f"没有这些窗口：{bad}")
    password = sys.stdin.readline().rstrip("\n")
    store = await Store.open(ns.db)
    try:
        clerk = await Accounts(store).add_clerk(ns.login, ns.name, windows, password, ns.role)
    finally:
        await store.close()
    print(f"已创建工作人员 {clerk.name}（{clerk.login}）")


async def _add_device(ns: argparse.Namespace) -> None:
    store = await Store.open(ns.db)
    try:
        _device, token = await Accounts(store).add_device(ns.kind, ns.name, ns.window)
    finally:
        await store.close()
    print(token)


def check_fonts(center: Center) -> None:
    """Settings check: name each character of the center's texts the bundled font lacks.

    The kiosk and the display build their extended subset themselves (they draw); the
    server only says what is missing, and what to install where fonts-noto-cjk is absent.
    """
    from bianmin.fontcover import NOTO_SOURCES, font_cmap, missing_report, uncovered

    missing = uncovered(center_info(center, open_now=False), font_cmap(FONT_REGULAR))
    if not missing:
        return
    if all(p.is_file() for p in NOTO_SOURCES.values()):
        done = "（已安装 fonts-noto-cjk：取号机和叫号屏启动时会自动生成补充字体，保存在 var/fonts）"
        print(missing_report(missing, True, advice=done), flush=True)
    else:
        print(missing_report(missing, noto_installed=False), file=sys.stderr, flush=True)


def check_fonts_apart(center: Center) -> None:
    """:func:`check_fonts` in a forked child, before the server starts any thread: fontTools
    and the parsed font (some 8 MB) then never weigh on the server's memory."""
    if not hasattr(os, "fork"):
        check_fonts(center)
        return
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without running the parent's exit handlers
        code = 0
        try:
            check_fonts(center)
        except BaseException:
            logging.getLogger("queue_server").exception("font check failed")
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.waitpid(pid, 0)


def main(argv: list[str] | None = None) -> None:
    ns = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        if ns.command == "serve":
            settings = settings_mod.from_args(ns)
            center = load_center(settings.config)  # fail fast with the field at fault
            check_fonts_apart(center)
            guard.raise_fd_limit()
            guard.return_large_buffers()
            guard.quiet_logs()
            event_loop.run(_serve(settings))
        elif ns.command == "add-clerk":
            asyncio.run(_add_clerk(ns))
        elif ns.command == "backup":
            print(f"已备份到 {backup.backup(ns.db, ns.out)}")
        elif ns.command == "restore":
            backup.restore(ns.db, ns.source)
            print(f"已从 {ns.source} 恢复数据库 {ns.db}")
        elif ns.command == "report":
            report_mod.run_cli(ns)
        elif hasattr(ns, "run"):  # commands added by their own modules
            ns.run(ns)
        else:
            asyncio.run(_add_device(ns))
    except ConfigError as exc:
        raise SystemExit(f"中心配置文件有误：{exc}") from None
    except backup.BackupError as exc:
        raise SystemExit(str(exc)) from None
    except AppError as exc:
        raise SystemExit(exc.message) from None
    except (instance.InstanceLocked, guard.PortBusy) as exc:
        raise SystemExit(str(exc)) from None
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
