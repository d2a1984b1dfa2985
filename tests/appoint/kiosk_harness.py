"""The kiosk in a real window against the real server run under ``faketime``, one scenario
per process: the home screen in each mode of the day and the 预约取号 keypad.

    python tests/appoint/kiosk_harness.py SCENARIO --out DIR [--size WxH]

Reuses tests/kiosk/harness.py (its Ui driver, results and main loop) with scenarios of
its own; the server process runs under libfaketime at the scenario's moment.
"""

from __future__ import annotations

import asyncio
import json
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "kiosk"))
sys.path.insert(0, str(ROOT))

import harness as base  # noqa: E402
from kiosk_support import LoopbackPrinter, ServerProcess, add_kiosk  # noqa: E402

from bench.devserver import faked  # noqa: E402

MOMENTS = {  # Shanghai time at which each scenario's server starts
    "office_checkin": "2026-11-30 09:50:00",  # Monday, an office day
    "duty_home": "2026-12-01 10:00:00",  # Tuesday, a duty day
    "closed_home": "2026-12-06 10:00:00",  # Sunday
}


def _book(url: str, slot: str) -> str:
    body = json.dumps({"category": "C", "matter": "C1", "slot": slot}).encode()
    req = urllib.request.Request(f"{url}/api/appointments", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())["code"]


async def mode_shot(ui: base.Ui, env: dict, name: str) -> None:
    await ui.until("center mode", lambda: ui.ctl.center is not None and ui.ctl.center.mode is not None)
    ui.results["mode"] = ui.ctl.center.mode.to_dict()
    ui.record(name)
    await ui.shot(name)


@base.scenario
async def office_checkin(ui: base.Ui, env: dict) -> None:
    """Office day: home; 预约取号 keypad taps a booking's code -> its ticket printed; the same
    code typed again by a keyboard-wedge scanner -> "already used"."""
    code = await asyncio.to_thread(_book, env["server"].url, "2026-11-30T10:00:00+08:00")
    ui.results["code"] = code
    await ui.screen("home")
    await mode_shot(ui, env, "mode_office")
    await ui.tap(ui.app.screens["home"].ids.checkin)
    await ui.screen("checkin")
    keys = ui.app.checkin_screen.keys()
    for digit in code[:5]:
        await ui.tap(keys[digit])
    ui.record("keypad", shown=ui.app.checkin_screen.shown)
    await ui.shot("keypad")
    await ui.tap(keys[code[5]])
    await ui.screen("ticket")
    await ui.until("print done", lambda: ui.ctl.print_status and ui.ctl.print_status.state == "done")
    ui.results["ticket"] = {**ui.ticket(), "appointment": ui.ctl.ticket.appointment}
    ui.record("ticket")
    await ui.shot("checkin_ticket")
    ui.ctl.go_home()
    await ui.screen("home")
    from kivy.core.window import Window

    for digit in code:  # what a keyboard-wedge scanner sends: the digits, then Enter
        Window.dispatch("on_textinput", digit)
    Window.dispatch("on_key_down", 13, 0, "", [])
    await ui.screen("error")
    ui.record("used", title=ui.current().title)
    await ui.shot("checkin_used")


@base.scenario
async def duty_home(ui: base.Ui, env: dict) -> None:
    """Duty day: home says every matter goes to the duty window; a ticket goes there."""
    await ui.screen("home")
    await mode_shot(ui, env, "mode_duty")
    ui.results["help"] = ui.app.screens["home"].help
    await base.issue_by_taps(ui, "A", 0, "duty")
    await ui.screen("ticket")
    await ui.until("print done", lambda: ui.ctl.print_status and ui.ctl.print_status.state == "done")
    ui.results["ticket"] = {**ui.ticket(), "window": ui.ctl.ticket.window}
    ui.record("duty_ticket")
    await ui.shot("duty_ticket")


@base.scenario
async def closed_home(ui: base.Ui, env: dict) -> None:
    """Sunday: the closed notice with the next opening; its button opens the keypad."""
    await ui.screen("closed")
    await mode_shot(ui, env, "mode_closed")
    ui.results["body"] = ui.current().body
    await ui.tap(ui.current().ids.button)
    await ui.screen("checkin")
    ui.record("closed_keypad")


async def prepare(name: str, ns, out: Path, env: dict):
    db = out / "queue.db"
    token = await add_kiosk(db)
    printer = LoopbackPrinter()
    env["printers"] = [printer]
    await printer.start()
    server = ServerProcess(db, "--host", "127.0.0.1", log=out / "server.log", env=faked(MOMENTS[name]))
    env["server"] = server
    await server.start_async()
    return base.settings_for(ns, server.url, token, printer.spec, var_dir=out / "var")


base.prepare = prepare  # main() looks it up at run time
for other in [n for n in base.SCENARIOS if n not in MOMENTS]:
    del base.SCENARIOS[other]

if __name__ == "__main__":
    base.main()
