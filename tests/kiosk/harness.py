"""Run the real kiosk app in this process and play one scenario with real touch events.

    python tests/kiosk/harness.py SCENARIO --out DIR [--size WxH]

Everything is real: the queue server as a process on 127.0.0.1, the kiosk app in a real
window (Xvfb or SDL offscreen), its aiohttp client, and a loopback TCP printer that
receives the ESC/POS bytes. Touches are Kivy MotionEvents fed through the event loop's
input dispatch at widget coordinates, as a touchscreen's provider feeds them.

Writes DIR/results.json (what the screens showed, step by step), DIR/<name>.png
screenshots, DIR/job<n>.bin (bytes the printer received) and DIR/server.log.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import sys
import threading
import time
import traceback
from pathlib import Path

T0 = time.monotonic()
os.environ.setdefault("KIVY_NO_ARGS", "1")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kiosk_support import (  # noqa: E402
    LoopbackPrinter,
    LossyProxy,
    ServerProcess,
    add_kiosk,
    closed_today_config,
    free_port,
)
from printer_fakes import FakeUsbPrinter, install_fake_usb  # noqa: E402

from bianmin.screensize import parse_size  # noqa: E402
from kiosk.settings import KioskSettings  # noqa: E402
from tests.floor.youxian import youxian_config  # noqa: E402

SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


class Ui:
    """Drives and reads the running app."""

    _ids = itertools.count(1)

    def __init__(self, app, out: Path, results: dict):
        self.app, self.out, self.results = app, out, results

    @property
    def ctl(self):
        return self.app.controller

    async def frames(self, n: int = 3) -> None:
        from kivy.clock import Clock

        for _ in range(n):
            done = asyncio.get_running_loop().create_future()
            Clock.schedule_once(lambda _dt, f=done: f.done() or f.set_result(None), 0)
            await done

    async def until(self, what: str, pred, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > deadline:
                screen = self.ctl.screen if self.ctl else None
                raise TimeoutError(f"waited {timeout}s for {what} (screen {screen})")
            await asyncio.sleep(0.03)
        await self.frames()

    async def screen(self, name: str, timeout: float = 10.0) -> None:
        await self.until(f"screen {name}", lambda: self.ctl is not None and self.ctl.screen == name, timeout)

    async def tap(self, widget, hold: float = 0.08) -> None:
        """A finger down and up at the centre of ``widget``, through Kivy's input pipeline."""
        from kivy.base import EventLoop
        from kivy.core.window import Window
        from kivy.input.motionevent import MotionEvent

        class Finger(MotionEvent):
            def depack(self, args):
                self.is_touch = True
                self.sx, self.sy = args
                self.profile = ["pos"]
                super().depack(args)

        x, y = widget.to_window(*widget.center)
        finger = Finger("harness", next(self._ids), (x / Window.width, y / Window.height))
        EventLoop._dispatch_input("begin", finger)  # as an input provider does
        await asyncio.sleep(hold)
        finger.update_time_end()
        EventLoop._dispatch_input("end", finger)
        await self.frames()

    async def shot(self, name: str) -> str:
        from kivy.core.window import Window

        await self.frames(4)
        made = Path(Window.screenshot(name=str(self.out / f"{name}.png")))
        path = self.out / f"{name}.png"
        made.replace(path)
        self.results.setdefault("shots", {})[name] = str(path)
        return str(path)

    def current(self):
        return self.app.root.current_screen

    @staticmethod
    def box(label) -> list[int]:
        """(left, top, right, bottom) of a label's drawn text in screenshot pixels (y down)."""
        from kivy.core.window import Window

        x, y = label.to_window(*label.center)
        w, h = label.texture_size
        pad = 12
        left, top = x - w / 2 - pad, Window.height - y - h / 2 - pad
        return [round(left), round(top), round(left + w + 2 * pad), round(top + h + 2 * pad)]

    def labels(self, widget=None) -> list:
        from kivy.uix.label import Label

        widget = widget or self.current()
        return [w for w in widget.walk(restrict=True) if isinstance(w, Label)]

    @staticmethod
    def visible(w) -> bool:
        """No transparent widget on the way up to the window."""
        while w is not None and w is not w.parent:
            if w.opacity <= 0:
                return False
            w = w.parent
        return True

    @staticmethod
    def inside(w) -> bool:
        """The widget lies wholly inside the window."""
        from kivy.core.window import Window

        x, y = w.to_window(*w.pos)
        return x >= -1 and y >= -1 and x + w.width <= Window.width + 1 and y + w.height <= Window.height + 1

    def overflowing(self, screen) -> list[str]:
        """Visible texts that stick out of the window or overlap another visible text."""
        shown = [lb for lb in self.labels(screen) if lb.text and self.visible(lb)]
        bad = [lb.text for lb in shown if not self.inside(lb)]
        boxes = []
        for lb in shown:  # each label's box, widened to its text if the text is wider
            x, y = lb.to_window(*lb.pos)
            extra = max(0, lb.texture_size[0] - lb.width) / 2
            boxes.append((lb.text, x - extra, y, x + lb.width + extra, y + lb.height))
            if lb.texture_size[0] > lb.width + 2:
                bad.append(f"{lb.text} is wider than its label")
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                if a[1] < b[3] - 2 and b[1] < a[3] - 2 and a[2] < b[4] - 2 and b[2] < a[4] - 2:
                    bad.append(f"{a[0]} / {b[0]}")
        return bad

    def drawn(self, widget=None) -> list[list[str]]:
        """[text, font file] of each visible label: the file Kivy actually draws it with."""
        return [[w.text, w._label.options["font_name_r"]] for w in self.labels(widget) if w.text and self.visible(w)]

    def texts(self, widget=None) -> list[str]:
        """The texts a person can see: non-empty labels with no transparent ancestor."""
        return [w.text for w in self.labels(widget) if w.text and self.visible(w)]

    def tiles(self) -> dict:
        grid = self.app.screens["home"].ids.grid
        return {t.code: t for t in reversed(grid.children)}

    def rows(self) -> list:
        return list(reversed(self.app.screens["matters"].ids.rows.children))

    def record(self, step: str, **extra) -> dict:
        from kivy.core.window import Window

        entry = {
            "step": step,
            "screen": self.ctl.screen,
            "kv_screen": self.app.root.current,
            "texts": self.texts(),
            "overflow": self.overflowing(self.current()),
            "t": round(time.monotonic() - T0, 3),
            "window": list(Window.size),
            **extra,
        }
        self.results.setdefault("steps", []).append(entry)
        return entry

    def home_layout(self) -> dict:
        """Tiles with their rectangles and text sizes, to check legibility and fit."""
        from kivy.core.window import Window

        tiles = []
        for code, tile in self.tiles().items():
            labels = self.labels(tile)
            tiles.append(
                {
                    "code": code,
                    "name": tile.name,
                    "waiting": tile.waiting,
                    "rect": [*tile.to_window(*tile.pos), *tile.size],
                    "font_sizes": [lb.font_size for lb in labels],
                    "text_widths": [lb.texture_size[0] for lb in labels],
                    "label_widths": [lb.width for lb in labels],
                    "parts": [[*c.to_window(*c.pos), *c.size] for c in tile.children],  # icon and labels
                }
            )
        return {
            "tiles": tiles,
            "window": list(Window.size),
            "priority_rect": [
                *self.app.screens["home"].ids.priority.to_window(*self.app.screens["home"].ids.priority.pos),
                *self.app.screens["home"].ids.priority.size,
            ],
        }

    def fonts(self) -> list[str]:
        """The font of every label on every screen."""
        return sorted({lb.font_name for s in self.app.root.screens for lb in self.labels(s)})

    def ticket(self) -> dict:
        t = self.ctl.ticket
        return {
            "number": t.number,
            "guide_url": t.guide_url,
            "priority": t.priority,
            "matter": t.matter,
            "category": t.category,
            "ahead": t.ahead,
            "token": t.token,
        }


def settings_for(ns, server: str, token: str, printer: str, **timing) -> KioskSettings:
    base = {"ticket_seconds": 60.0, "idle_seconds": 60.0, "retry_seconds": 0.5, "poll_seconds": 1.0}
    base.update(timing)
    return KioskSettings(server=server, token=token, printer=printer, windowed=True, size=ns.size, **base)


async def issue_by_taps(ui: Ui, category: str, row: int | str, prefix: str) -> None:
    """Home -> tile -> matter row (an index, or a matter code), with screenshots."""
    await ui.tap(ui.tiles()[category])
    await ui.screen("matters")
    ui.record(
        f"{prefix}_matters",
        rows=[r.text for r in ui.rows()],
        row_font_sizes=[lb.font_size for r in ui.rows() for lb in ui.labels(r)],
    )
    target = next(r for r in ui.rows() if r.code == row) if isinstance(row, str) else ui.rows()[row]
    await ui.tap(target)


# ---- scenarios -------------------------------------------------------------------------------


@scenario
async def flow(ui: Ui, env: dict) -> None:
    """Category -> matter -> ticket printed; a lost reply and a double tap make one ticket."""
    await ui.screen("home")
    ui.results["home"] = ui.home_layout()
    ui.record("home")
    ui.results["fonts"] = ui.fonts()
    await ui.shot(f"home_{env['orientation']}")
    await ui.tap(ui.tiles()["A"])
    await ui.screen("matters")
    ui.record(
        "matters",
        rows=[r.text for r in ui.rows()],
        row_font_sizes=[lb.font_size for r in ui.rows() for lb in ui.labels(r)],
    )
    await ui.shot(f"matters_{env['orientation']}")
    row = ui.rows()[0]
    await ui.tap(row, hold=0.03)
    await ui.tap(row, hold=0.03)  # an impatient second tap on the same row
    await ui.screen("ticket")
    await ui.until("print done", lambda: ui.ctl.print_status and ui.ctl.print_status.state == "done")
    ui.results["ticket"] = ui.ticket()
    ui.record("ticket", status=ui.ctl.print_status.state)
    await ui.shot(f"ticket_{env['orientation']}")
    ui.results["lost_replies"] = env["proxy"].lost
    ui.results["posts"] = env["proxy"].posts
    await asyncio.sleep(1.6)  # past the guard against an accidental dismiss
    await ui.tap(ui.current().ids.number)
    await ui.screen("home")
    await ui.until("waiting count", lambda: ui.tiles()["A"].waiting == "等候 1 人")
    ui.record("home_after", waiting={c: t.waiting for c, t in ui.tiles().items()})
    # 绿色通道: priority, then category B, then "not sure".
    await ui.tap(ui.app.screens["home"].ids.priority)
    await ui.until("priority mode", lambda: ui.ctl.priority)
    ui.record("priority_home")
    await ui.shot(f"home_priority_{env['orientation']}")
    await issue_by_taps(ui, "B", -1, "priority")
    await ui.screen("ticket")
    await ui.until("print done", lambda: ui.ctl.print_status and ui.ctl.print_status.state == "done")
    ui.results["priority_ticket"] = ui.ticket()
    ui.record("priority_ticket")
    await ui.shot(f"ticket_priority_{env['orientation']}")


@scenario
async def landscape(ui: Ui, env: dict) -> None:
    """The same two taps in landscape, then the idle timeout takes a half-done choice home."""
    await ui.screen("home")
    ui.results["home"] = ui.home_layout()
    ui.record("home")
    await ui.shot(f"home_{env['orientation']}")
    await issue_by_taps(ui, "E", "E1", "e")
    await ui.screen("ticket")
    await ui.until("print done", lambda: ui.ctl.print_status and ui.ctl.print_status.state == "done")
    ui.results["ticket"] = ui.ticket()
    ui.record("ticket")
    await ui.shot(f"ticket_{env['orientation']}")
    await asyncio.sleep(1.6)
    await ui.tap(ui.current().ids.qr)
    await ui.screen("home")
    started = time.monotonic()  # the tap below is the last touch
    await ui.tap(ui.tiles()["G"])
    await ui.screen("matters")
    await ui.shot(f"matters_{env['orientation']}")
    await ui.screen("home", timeout=15)  # nobody touches: idle timeout
    ui.results["idle_return"] = round(time.monotonic() - started, 2)
    ui.record("idle_home")


@scenario
async def unreachable(ui: Ui, env: dict) -> None:
    """Server down at start, then up; down again mid-issue, then back: one ticket, printed."""
    server = env["server"]
    await ui.until("unreachable", lambda: ui.ctl.screen == "unreachable" and ui.ctl.offline_attempts >= 2)
    ui.record("down_at_start", attempts=ui.ctl.offline_attempts)
    await ui.shot(f"fault_unreachable_{env['orientation']}")
    await server.start_async()
    await ui.screen("home", timeout=10)
    ui.record("recovered")
    await ui.tap(ui.tiles()["C"])
    await ui.screen("matters")
    await server.stop_async()
    await ui.tap(ui.rows()[1])
    await ui.screen("unreachable", timeout=15)
    ui.record("down_mid_issue", pending=ui.ctl.pending.request_id if ui.ctl.pending else None)
    await ui.shot(f"fault_unreachable_issue_{env['orientation']}")
    await server.start_async()
    await ui.screen("ticket", timeout=10)  # the same intent is sent again by itself
    await ui.until("print done", lambda: ui.ctl.print_status and ui.ctl.print_status.state == "done")
    ui.results["ticket"] = ui.ticket()
    ui.record("ticket_after_recovery")


@scenario
async def printer_fail(ui: Ui, env: dict) -> None:
    """The printer refuses: the ticket stays valid on screen; reprint once it is back."""
    await ui.screen("home")
    await issue_by_taps(ui, "F", 0, "f")
    await ui.screen("ticket")
    await ui.until("print failed", lambda: ui.ctl.print_status and ui.ctl.print_status.failed)
    ui.results["ticket"] = ui.ticket()
    screen = ui.current()
    button = screen.reprint_button()
    ui.record(
        "print_failed",
        reprint_visible=ui.visible(button) and not button.disabled,
        reprint_inside=ui.inside(button),
        fault=screen.fault,
        boxes={"number": ui.box(screen.ids.number), "windows": ui.box(screen.ids.windows)},
        windows=screen.windows,
    )
    await ui.shot(f"fault_printer_{env['orientation']}")
    printer = LoopbackPrinter(env["printer_port"])
    await printer.start()
    env["printers"].append(printer)
    await ui.tap(button)
    await ui.until("reprinted", lambda: ui.ctl.print_status.state == "done")
    ui.record("reprinted", screen_after=ui.ctl.screen)


@scenario
async def usb_hang(ui: Ui, env: dict) -> None:
    """The USB printer's write hangs: the screen keeps running (countdown, frames), then the fault."""
    from kivy.clock import Clock

    device = env["usb_device"]
    await ui.screen("home")
    frames: list[float] = []
    counting = Clock.schedule_interval(lambda _dt: frames.append(time.monotonic()), 0)
    await ui.tap(ui.tiles()["F"])
    await ui.screen("matters")
    hang_start = time.monotonic()  # from the tap that issues (and prints) the ticket
    await ui.tap(ui.rows()[0])
    await ui.screen("ticket")
    await ui.until("the job write hangs", device.hanging.is_set, timeout=10)
    countdowns = []  # the on-screen countdown label, read while the write hangs
    while not (ui.ctl.print_status and ui.ctl.print_status.failed):
        label = next((t for t in ui.texts() if t.startswith("点屏幕任意处返回首页")), None)
        if label and (not countdowns or countdowns[-1] != label):
            countdowns.append(label)
        if time.monotonic() - hang_start > 20:
            raise TimeoutError("no printer fault 20 s into the hang")
        await asyncio.sleep(0.1)
    hang_end = time.monotonic()
    counting.cancel()
    await ui.frames()  # the fault's texts and button are laid out before the screen is read
    during = [t for t in frames if hang_start <= t <= hang_end]
    gaps = [b - a for a, b in itertools.pairwise([hang_start, *during, hang_end])]
    screen = ui.current()
    ui.results["ticket"] = ui.ticket()
    ui.record(
        "usb_fault",
        fault=screen.fault,
        hang_seconds=round(hang_end - hang_start, 3),
        frames_during_hang=len(during),
        max_frame_gap=round(max(gaps), 3),
        countdowns=countdowns,
        still_hanging=not device.hang.is_set(),
    )
    await ui.shot(f"fault_usb_hang_{env['orientation']}")
    device.hang.set()  # the USB stack gives up at last; the device is released
    await ui.until("device released", lambda: device.disposed, timeout=5)
    ui.record("usb_released", disposed=device.disposed)


@scenario
async def closed(ui: Ui, env: dict) -> None:
    """Outside office days: the closed notice with the duty phone, and taps issue nothing."""
    await ui.screen("closed")
    ui.record("closed", phone=ui.current().phone)
    await ui.shot(f"fault_closed_{env['orientation']}")
    await ui.tap(ui.current().ids.body)
    await asyncio.sleep(0.3)
    ui.record("closed_after_tap")


@scenario
async def bad_token(ui: Ui, env: dict) -> None:
    """The server refuses the kiosk's token: a friendly screen, then back home by the button."""
    await ui.screen("home")
    await issue_by_taps(ui, "H", 0, "h")
    await ui.screen("error")
    ui.record("error")
    await ui.shot(f"fault_error_{env['orientation']}")
    await ui.tap(ui.current().ids.button)
    await ui.screen("home")
    ui.record("home_again")


@scenario
async def youxian(ui: Ui, env: dict) -> None:
    """攸县鸾山镇 with 坳上村 and 塅里村: home, matters and ticket drawn with a font covering them."""
    from bianmin import fonts
    from kiosk.printing import raster
    from kiosk.printing.layout import PAPERS, Text, ticket_blocks

    await ui.screen("home", timeout=50.0)  # the first start builds the extended subset (seconds)
    await ui.frames(3)
    ui.results["font"] = str(fonts.current())
    ui.record("home", drawn=ui.drawn())
    await ui.shot(f"youxian_home_{env['orientation']}")
    await ui.tap(ui.tiles()["A"])
    await ui.screen("matters")
    ui.record("matters", drawn=ui.drawn())
    await ui.shot(f"youxian_matters_{env['orientation']}")
    await ui.tap(ui.rows()[0], hold=0.03)
    await ui.screen("ticket")
    await ui.until("print done", lambda: ui.ctl.print_status and ui.ctl.print_status.state == "done")
    ui.record("ticket", drawn=ui.drawn())
    await ui.shot(f"youxian_ticket_{env['orientation']}")
    blocks = ticket_blocks(ui.ctl.ticket, ui.ctl.center, PAPERS[80])
    ui.results["printed"] = [[b.text, str(raster.FACES[b.bold])] for b in blocks if isinstance(b, Text)]


@scenario
async def paper_low(ui: Ui, env: dict) -> None:
    """The printer says the roll is nearly empty: the ticket prints, home shows staff a mark."""
    await ui.screen("home")
    ui.record("home_before", mark_visible=ui.visible(ui.current().ids.paper_mark))
    await issue_by_taps(ui, "A", 0, "a")
    await ui.screen("ticket")
    await ui.until("print done", lambda: ui.ctl.print_status and ui.ctl.print_status.state == "done")
    await asyncio.sleep(1.6)  # past the guard against an accidental dismiss
    await ui.tap(ui.current().ids.number)
    await ui.screen("home")
    mark = ui.current().ids.paper_mark
    x, y = mark.to_window(*mark.pos)
    ui.record("home_paper_low", mark_visible=ui.visible(mark), mark_text=mark.text, mark_rect=[x, y, *mark.size])
    ui.results["health_paper"] = ui.ctl.health.health.paper if ui.ctl.health else None
    await ui.shot(f"paper_low_{env['orientation']}")


# ---- setup -----------------------------------------------------------------------------------


@scenario
async def guides(ui: Ui, env: dict) -> None:
    """查看办事指南: home -> the guides list -> tap a matter -> its guide printed, no ticket."""
    await ui.screen("home")
    ids = ui.app.screens["home"].ids
    await ui.tap(ids.guides if ui.app.portrait else ids.guides_side)
    await ui.screen("guides")
    screen = ui.current()
    ui.record("guides", overflow=ui.overflowing(screen))
    await ui.shot("guides")
    row = next(r for r in screen.ids.rows.children if getattr(r, "code", None) == "C1")
    screen.ids.rows.parent.scroll_to(row, animate=False)
    await ui.frames(10)
    await ui.tap(row)
    await ui.until("guide printed", lambda: bool(ui.ctl.guide_prints))
    ui.results["guide_prints"] = ui.ctl.guide_prints
    ui.results["guide_status"] = screen.status
    await ui.shot("guides_printed")


@scenario
async def live_matters(ui: Ui, env: dict) -> None:
    """On the matters list, a ticket from elsewhere updates the count in place over /ws:
    the same row widgets, the resident's scroll position kept."""
    import aiohttp

    await ui.screen("home")
    await ui.until("counts pushed over /ws", lambda: ui.ctl.feed.live)
    await ui.tap(ui.tiles()["A"])
    await ui.screen("matters")
    screen = ui.current()
    rows, scroll = ui.rows(), screen.ids.rows.parent
    scroll.scroll_y = 0  # the resident scrolled to the end of the list
    await ui.frames(5)
    before = screen.subtitle
    headers = {"Authorization": f"Bearer {env['token']}"}
    async with aiohttp.ClientSession() as http:
        url = f"{env['server'].url}/api/tickets"
        async with http.post(url, json={"category": "A"}, headers=headers) as resp:
            assert resp.status == 201, await resp.text()
    await ui.until("pushed count on the matters list", lambda: "等候 1 人" in screen.subtitle, timeout=3)
    ui.results["live"] = {
        "before": before,
        "after": screen.subtitle,
        "same_rows": len(rows) == len(ui.rows()) and all(a is b for a, b in zip(rows, ui.rows(), strict=True)),
        "scroll_y": scroll.scroll_y,
        "screen": ui.ctl.screen,
    }
    await ui.shot("matters_live")


async def prepare(name: str, ns, out: Path, env: dict) -> KioskSettings:
    """Start what the scenario needs; returns the kiosk's settings."""
    db = out / "queue.db"
    token = env["token"] = await add_kiosk(db)
    log = out / "server.log"
    printer = LoopbackPrinter()
    env["printers"] = [printer]
    if name == "printer_fail":
        env["printer_port"] = free_port()  # nothing listens there: connection refused
        spec = f"network:127.0.0.1:{env['printer_port']}"
    elif name == "usb_hang":  # the hardware edge: a USB printer whose job write blocks
        env["usb_device"] = FakeUsbPrinter()
        env["usb_device"].hang = threading.Event()
        install_fake_usb({(0x0416, 0x5011): env["usb_device"]})
        spec = "usb:0416:5011"
    else:
        if name == "paper_low":
            printer.answers[4] = 0x12 | 0x0C  # DLE EOT 4: paper near end, not out
        await printer.start()
        spec = printer.spec
    extra = () if name == "closed" else ("--always-open",)
    if name == "closed":
        extra = ("--config", str(closed_today_config(out / "center.toml")))
    if name == "youxian":
        extra = ("--always-open", "--config", str(youxian_config(out / "center.toml")))
    server = ServerProcess(db, *extra, log=log)
    env["server"] = server
    if name != "unreachable":
        await server.start_async()
    url = server.url
    if name == "flow":
        env["proxy"] = LossyProxy(server.port, lose_posts=1)
        await env["proxy"].start()
        url = env["proxy"].url
    timing: dict = {"idle_seconds": 4.0} if name == "landscape" else {}  # 4 s: a loaded CI box
    timing["var_dir"] = out / "var"
    return settings_for(ns, url, "not-a-valid-token" if name == "bad_token" else token, spec, **timing)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("scenario", choices=sorted(SCENARIOS))
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--size", type=parse_size, default=(1080, 1920))
    p.add_argument("--timeout", type=float, default=40.0)
    ns = p.parse_args()
    out = ns.out.resolve()
    if out.exists():  # a fresh database and fresh results every run
        shutil.rmtree(out)
    out.mkdir(parents=True)
    os.environ.setdefault("KIVY_HOME", str(out / "kivy_home"))
    results: dict = {"scenario": ns.scenario, "error": None}
    env: dict = {"orientation": "portrait" if ns.size[1] >= ns.size[0] else "landscape"}

    async def run() -> None:
        settings = await prepare(ns.scenario, ns, out, env)
        from kiosk.kivyconf import configure

        configure(settings)
        from kiosk.app import build_app, run_app

        app = build_app(settings)
        ui = Ui(app, out, results)

        async def play() -> None:
            try:
                await asyncio.wait_for(SCENARIOS[ns.scenario](ui, env), ns.timeout)
                results["history"] = list(app.controller.history)
                results["prints"] = list(app.controller.prints)
            except BaseException as exc:
                results["error"] = "".join(traceback.format_exception(exc))
            finally:
                app.stop()

        async def start_play() -> None:
            while app.controller is None:
                await asyncio.sleep(0.02)
            await play()

        player = asyncio.get_running_loop().create_task(start_play())
        try:
            await run_app(app)
        finally:
            await player
            for printer in env.get("printers", []):
                await printer.stop()
            if "proxy" in env:
                await env["proxy"].stop()
            await env["server"].stop_async()
        jobs = [job for printer in env.get("printers", []) for job in printer.jobs]
        results["jobs"] = []
        for i, job in enumerate(jobs):
            (out / f"job{i}.bin").write_bytes(job)
            results["jobs"].append({"file": str(out / f"job{i}.bin"), "bytes": len(job)})
        results["printer_errors"] = [p.error for p in env.get("printers", []) if p.error]

    try:
        asyncio.run(run())
    except BaseException as exc:
        results["error"] = results["error"] or "".join(traceback.format_exception(exc))
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
