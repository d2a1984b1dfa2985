"""The kiosk's flow, in plain asyncio (no Kivy): load the center, issue, print, map errors.

The waiting counts come over the hall's ``/ws`` (:class:`kiosk.live.LiveCounts`); only
while that socket is down does the keeper poll ``GET /api/snapshot``, every
``poll_seconds``. The center is read at start, every :data:`CENTER_EVERY` seconds (is the
office open now?) and on a ``center_changed`` or ``day_started`` event.

The Kivy app implements :class:`View` and forwards taps to the ``choose_*`` methods; tests
drive the controller with a recording view. Rules:

* Every tap-intent gets one ``request_id`` (uuid4); retries and the automatic re-send after
  the server comes back reuse it, so the server never issues two tickets for one tap.
* Taps while a ticket is being issued are ignored.
* A failed print never invalidates the ticket: it stays on screen with a reprint button.
* Network and protocol errors (:class:`ApiError`) and printer faults become a screen with
  a Chinese message. Anything else is a bug: it is logged, and in the refresh loop it ends
  :meth:`KioskController.run` rather than passing for an unreadable server reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any, Protocol

from bianmin.fontcover import FontChoice, FontKeeper
from bianmin.health import HealthReporter
from bianmin.protocol import CenterInfo, GuideInfo, IssuedTicket
from kiosk import guides, present
from kiosk.api_client import ApiError, KioskApi, ServerUnreachable
from kiosk.checkin import CheckinFlow, CheckinModel
from kiosk.guides import GuidesModel, GuideStatus
from kiosk.live import LiveCounts
from kiosk.present import HomeModel, MattersModel, MessageModel, PrintStatus, TicketModel
from kiosk.printing.errors import PrinterError
from kiosk.settings import KioskSettings

log = logging.getLogger("kiosk.controller")
ISSUE_RETRY_DELAYS = (0.3, 1.0, 2.0)  # then the unreachable screen takes over
BUSY_AFTER = 0.4  # show "正在取号" only when issuing is not instant
CENTER_EVERY = 30.0  # re-read /api/center (office open now?) this often
DISMISS_GUARD = 1.5  # a tap this soon after the ticket appears does not dismiss it
HOME_LEVEL = ("loading", "home", "closed", "unreachable")
READY_MARK = "kiosk ready"  # logged once, when home first shows data (bench.kiosk_start)


class View(Protocol):
    def show_home(self, model: HomeModel) -> None: ...
    def show_matters(self, model: MattersModel) -> None: ...
    def show_ticket(self, model: TicketModel) -> None: ...
    def show_print(self, status: PrintStatus) -> None: ...
    def show_message(self, model: MessageModel) -> None: ...
    def show_countdown(self, seconds: int | None) -> None: ...
    def show_guides(self, model: GuidesModel) -> None: ...
    def show_guide_status(self, status: GuideStatus) -> None: ...
    def show_checkin(self, model: CheckinModel) -> None: ...
    def use_fonts(self, choice: FontChoice) -> None: ...
    def show_paper(self, low: bool) -> None: ...


class TicketPrinter(Protocol):
    async def print_ticket(self, ticket: IssuedTicket, center: CenterInfo) -> None:
        """Print ``ticket``; raises :class:`PrinterError` with a Chinese message."""

    async def print_guide(self, guide: GuideInfo, center: CenterInfo) -> None:
        """Print a matter's guide, no ticket; raises :class:`PrinterError`."""


@dataclass(frozen=True)
class Intent:
    """One tap on a matter: what to issue and the id that makes re-sending it safe."""

    category: str
    matter: str | None
    priority: bool
    request_id: str
    made_at: float


class KioskController:
    """Owns the kiosk's state; run :meth:`run` as a task for the app's lifetime."""

    def __init__(
        self,
        api: KioskApi,
        printer: TicketPrinter,
        view: View,
        settings: KioskSettings,
        health: HealthReporter | None = None,
        say: Callable[[str], None] | None = None,
    ):
        self.api, self.printer, self.view, self.settings = api, printer, view, settings
        self.health = health  # reports printer and paper to the server (manager's device list)
        self.say = say  # spoken prompts (bianmin.prompts.PromptVoice.say), None when off
        self.loop = asyncio.get_running_loop()
        self.screen = "loading"
        self.history: deque[str] = deque(maxlen=200)  # recent screens, for logs and tests
        self.shown: object = None  # the model on screen
        self.center: CenterInfo | None = None
        self.day: str | None = None
        self.waiting: dict[str, int] = {}
        self.priority = False
        self.pending: Intent | None = None
        self.issuing = False
        self.ticket: IssuedTicket | None = None
        self.ticket_shown_at = 0.0
        self.print_status: PrintStatus | None = None
        self.print_task: asyncio.Task | None = None
        self.prints: list[tuple[str, str]] = []  # (number, "done" | "failed"), for logs and tests
        self.guide_task: asyncio.Task | None = None
        self.guide_prints: list[tuple[str, str]] = []  # (matter, "done" | "failed")
        self.deadline: float | None = None
        self.countdown: int | None = None
        self.offline_attempts = 0
        self.center_stale = False  # a center_changed event: read /api/center again now
        self.feed = LiveCounts(settings.server, self)  # the waiting counts, pushed over /ws
        self.ready = asyncio.Event()  # set when home first shows the center's data
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self.fonts = FontKeeper(settings.var_dir)
        self.checkin = CheckinFlow(self)  # 预约取号: the keypad check-in

    # ---- lifetime --------------------------------------------------------------------------

    async def run(self) -> None:
        """Keep the center and waiting counts fresh and run the idle clock, until cancelled."""
        self._show("loading", self.view.show_message, present.LOADING)
        jobs = [self._keeper(), self._ticker(), self.feed.run()] + ([self.health.run()] if self.health else [])
        await asyncio.gather(*jobs)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coro: Coroutine) -> asyncio.Task:
        task = self.loop.create_task(self._guard(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _guard(self, coro: Coroutine) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug must never freeze or crash the lobby kiosk
            log.exception("kiosk flow failed")
            self.issuing = False
            self._error("出现了意外问题。")

    def _show(self, screen: str, method: Callable[[Any], None], model: object) -> None:
        if screen == "closed" and self.screen != "closed":
            self._wake.set()  # the keeper now re-reads the center every poll, to see it open
        self.screen = screen
        self.shown = model
        self.history.append(screen)
        method(model)

    # ---- keeping up with the server --------------------------------------------------------

    async def _keeper(self) -> None:
        last_center = float("-inf")
        while True:
            live = self.feed.live
            try:
                now = self.loop.time()
                stale = now - last_center >= CENTER_EVERY or self.screen in ("closed", "unreachable")
                if self.center is None or stale or self.center_stale:
                    self.center = await self.api.center()
                    last_center, self.center_stale = now, False
                    choice = await self.fonts.update(self.center)
                    if choice is not None:
                        self.view.use_fonts(choice)
                if not live:  # the socket is down: the counts come from a slow poll
                    snap = await self.api.snapshot()
                    if not self.feed.live:  # (unless the socket came back meanwhile, and is newer)
                        self.day, self.waiting = snap.day, dict(snap.waiting)
            except ApiError as exc:  # offline, refused, or a reply of the wrong shape: show it, retry
                # Anything else is a bug: it ends run() so that logs and tests see it.
                self.offline_attempts += 1
                self._offline(exc)
                await self._sleep(self.settings.retry_seconds)
                continue
            self.offline_attempts = 0
            try:
                self._online()
            except Exception:  # a screen bug must not stop the refreshing
                log.exception("showing fresh data failed")
            await self._sleep(self._pause(live, last_center))

    def _pause(self, live: bool, last_center: float) -> float:
        """Until the keeper's next round: a poll while the socket is down or the screen waits
        on the server (closed, unreachable), else the center's next re-read."""
        if not live or self.screen in ("closed", "unreachable"):
            return self.settings.poll_seconds
        return max(0.0, last_center + CENTER_EVERY - self.loop.time())

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    def _offline(self, exc: ApiError) -> None:
        log.warning("server: %s %s", exc.code, getattr(exc, "detail", exc.message))
        # On home, one miss is not worth alarming anyone; the next retry comes soon.
        if self.screen in HOME_LEVEL and (self.screen != "home" or self.offline_attempts > 1):
            model = (
                present.unreachable(self.offline_attempts)
                if isinstance(exc, ServerUnreachable)
                else present.server_problem(exc.message, self.offline_attempts)
            )
            self._show("unreachable", self.view.show_message, model)

    def _online(self) -> None:
        if self.issuing:
            return
        if self.screen in ("loading", "unreachable"):
            intent = self.pending
            if intent and self.loop.time() - intent.made_at <= self.settings.idle_seconds:
                self._start_issue(intent)  # the resident is likely still here
            else:
                self.go_home()
        elif self.screen == "home" and self.center is not None and not self.center.office.open_now:
            self.go_home()  # the hall closed (17:30): the closed notice
        elif self.screen in ("home", "matters"):
            self._show_counts()
        elif (
            self.screen == "closed"
            and self.center is not None
            and (self.center.office.open_now or present.closed(self.center, day=self.day) != self.shown)
        ):
            self.go_home()  # open again, or a new day on the closed notice

    # ---- the live counts (kiosk.live.LiveCounts is the CountsSink's caller) ----------------

    def counts(self, day: str, waiting: dict[str, int]) -> None:
        """A snapshot or an event over ``/ws``: the tiles (or the matters list) show it now."""
        self.day, self.waiting = day, waiting
        if not self.issuing:
            self._show_counts()

    def stream_changed(self, live: bool) -> None:
        """The keeper starts polling (socket down) or comes back online (socket up) now."""
        log.info("waiting counts: %s", "pushed over /ws" if live else "polled while /ws is down")
        self._wake.set()

    def center_changed(self) -> None:
        self.center_stale = True
        self._wake.set()

    def _show_counts(self) -> None:
        """Redraw the screen that shows waiting counts, if they changed what it shows."""
        if self.center is None:
            return
        if self.screen == "home" and self.center.office.open_now:
            home = self._home_model()
            if home != self.shown:
                self.shown = home
                self.view.show_home(home)
        elif self.screen == "matters" and isinstance(self.shown, MattersModel):
            cat = self.center.category(self.shown.category)
            if cat is not None:
                matters = present.matters_model(cat, self.priority, self.waiting.get(cat.code))
                if matters != self.shown:
                    self.shown = matters
                    self.view.show_matters(matters)

    # ---- idle clock ------------------------------------------------------------------------

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(0.25)
            try:
                self._tick()
            except Exception:  # keep the clock running whatever a screen does
                log.exception("idle clock failed")

    def _tick(self) -> None:
        if self.deadline is None or self.issuing:
            self._set_countdown(None)
            return
        left = self.deadline - self.loop.time()
        if left <= 0:
            self.go_home()
        else:
            self._set_countdown(int(left + 0.999))

    def _set_countdown(self, seconds: int | None) -> None:
        if seconds != self.countdown:
            self.countdown = seconds
            self.view.show_countdown(seconds)

    def _arm(self, seconds: float | None) -> None:
        self.deadline = None if seconds is None else self.loop.time() + seconds

    def touched(self) -> None:
        """Any touch on the screen: keeps a half-finished choice alive."""
        if self.screen in ("matters", "error", "guides", "checkin") or (self.screen == "home" and self.priority):
            self._arm(self.settings.idle_seconds)

    # ---- what the resident does ------------------------------------------------------------

    def _home_model(self) -> HomeModel:
        assert self.center is not None, "home is shown only once the center is known"
        return present.home_model(self.center, self.day, self.waiting, self.priority)

    def _say(self, text: str) -> None:
        if self.say is not None:
            self.say(text)

    def go_home(self, speak: bool = False) -> None:
        """Back to the start: the category tiles, or the closed notice outside office hours.

        ``speak``: a resident's tap brought them here, so the home prompt is said (never
        after an idle timeout, to an empty hall)."""
        self.priority = False
        self.pending = None
        self._arm(None)
        if self.center is None:
            self._show("loading", self.view.show_message, present.LOADING)
        elif not self.center.office.open_now:
            self._show("closed", self.view.show_message, present.closed(self.center, day=self.day))
        else:
            self._show("home", self.view.show_home, self._home_model())
            if speak:
                self._say(present.HOME_PROMPT)
            if not self.ready.is_set():
                self.ready.set()
                log.info("%s: home shown with %d categories", READY_MARK, len(self.center.categories))

    def start_priority(self) -> None:
        """The 绿色通道 button: the next ticket goes ahead of the ordinary line."""
        if self.screen == "home" and not self.issuing:
            self.priority = True
            self._arm(self.settings.idle_seconds)
            self._show("home", self.view.show_home, self._home_model())

    def back(self) -> None:
        """From the matters list back to the tiles, keeping the green channel if chosen."""
        if self.screen in ("guides", "checkin"):
            self.go_home(speak=True)
        elif self.screen == "matters" and not self.issuing:
            if self.priority:
                self._arm(self.settings.idle_seconds)
                self._show("home", self.view.show_home, self._home_model())
            else:
                self.go_home(speak=True)

    def choose_category(self, code: str) -> None:
        if self.screen != "home" or self.issuing or self.center is None:
            return
        cat = self.center.category(code)
        if cat is None:
            return
        if not self.center.office.open_now:
            self.go_home()
            return
        self._arm(self.settings.idle_seconds)
        self._show("matters", self.view.show_matters, present.matters_model(cat, self.priority, self.waiting.get(code)))
        self._say(cat.name)

    def choose_matter(self, category: str, matter: str | None) -> None:
        """A tap on a matter row (``matter`` None: "not sure"): issue and print a ticket."""
        if self.screen != "matters" or self.issuing:
            return
        intent = Intent(category, matter, self.priority, uuid.uuid4().hex, self.loop.time())
        self.pending = intent
        self._start_issue(intent)

    def open_guides(self) -> None:
        """The 查看办事指南 button: every matter, to print its guide without taking a ticket."""
        if self.screen in ("home", "closed") and not self.issuing and self.center is not None:
            self.priority = False
            self._arm(self.settings.idle_seconds)
            self._show("guides", self.view.show_guides, guides.guides_model(self.center))

    def print_guide(self, matter: str) -> None:
        """A tap on a matter on the guides screen: fetch its guide and print it (one at a time)."""
        if self.screen != "guides" or (self.guide_task and not self.guide_task.done()):
            return
        self._arm(self.settings.idle_seconds)
        self.guide_task = self._spawn(self._print_guide(matter))

    async def _print_guide(self, matter: str) -> None:
        self.view.show_guide_status(guides.GuideStatus(guides.LOADING_GUIDE, busy=True))
        try:
            guide = await self.api.guide(matter)
            if self.center is None:
                raise PrinterError("没有取到服务中心信息，暂时不能打印。")
            self.view.show_guide_status(guides.GuideStatus(guides.PRINTING, busy=True))
            await self.printer.print_guide(guide, self.center)
        except ApiError as exc:
            status = guides.GuideStatus(exc.message, failed=True)
        except PrinterError as exc:
            log.warning("guide %s print failed: %s %s", matter, exc.fault, exc.detail)
            status = guides.print_failed(exc.message)
        except Exception:  # a driver bug must not freeze the kiosk
            log.exception("guide %s print failed", matter)
            status = guides.print_failed("打印机出现故障。")
        else:
            status = guides.GuideStatus(guides.PRINTED)
        self.guide_prints.append((matter, "failed" if status.failed else "done"))
        if self.screen == "guides":
            self._arm(self.settings.idle_seconds)
            self.view.show_guide_status(status)

    def dismiss_ticket(self) -> None:
        """A tap anywhere on the ticket screen (but its buttons)."""
        if self.screen == "ticket" and self.loop.time() - self.ticket_shown_at >= DISMISS_GUARD:
            self.go_home(speak=True)

    def reprint(self) -> None:
        if self.screen == "ticket" and self.ticket and not (self.print_task and not self.print_task.done()):
            self._arm(self.settings.fault_seconds)
            self.print_task = self._spawn(self._print(self.ticket))

    def message_action(self, action: str) -> None:
        """The button on a message screen: ``home`` or ``retry``."""
        if action == "retry":
            self._wake.set()
        elif action == "home" and self.screen in ("error", "closed"):
            self.go_home(speak=True)
        elif action == "checkin":
            self.checkin.open()

    # ---- issuing and printing --------------------------------------------------------------

    def _start_issue(self, intent: Intent) -> None:
        self.issuing = True  # now, not when the task first runs: a second tap may come first
        self._arm(None)
        self._spawn(self._issue(intent))

    async def _issue(self, intent: Intent) -> None:
        busy = self.loop.call_later(BUSY_AFTER, self._show, "issuing", self.view.show_message, present.BUSY)
        try:
            ticket = await self._post(intent)
        except ServerUnreachable as exc:
            log.warning("issue %s: %s", intent.request_id, exc.detail)
            self._show("unreachable", self.view.show_message, present.unreachable(1))
            self._wake.set()  # the keeper retries, and re-sends the intent when back
            return
        except ApiError as exc:
            self.pending = None
            if exc.code == "office_closed" and self.center:
                self.center = replace(self.center, office=replace(self.center.office, open_now=False))
                self._show("closed", self.view.show_message, present.closed(self.center, exc.message, self.day))
            else:
                self._error(exc.message)
            return
        finally:
            busy.cancel()
            self.issuing = False
        self.pending = None
        self.show_issued(ticket)

    def show_issued(self, ticket: IssuedTicket) -> None:
        """A ticket just issued (or checked in): on screen, printing, counts refreshed."""
        self.ticket = ticket
        self.ticket_shown_at = self.loop.time()
        self._arm(self.settings.ticket_seconds)
        self._show("ticket", self.view.show_ticket, present.ticket_model(ticket, self.center))
        self.print_task = self._spawn(self._print(ticket))
        self._wake.set()  # refresh the waiting counts now (if polling; else the event brings them)

    async def _post(self, intent: Intent) -> IssuedTicket:
        for delay in (*ISSUE_RETRY_DELAYS, None):
            try:
                return await self.api.issue(intent.category, intent.matter, intent.priority, intent.request_id)
            except ApiError as exc:
                if not exc.retryable or delay is None:
                    raise
                log.info("issue %s failed (%s), retrying", intent.request_id, exc.code)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _print(self, ticket: IssuedTicket) -> None:
        self._print_status(ticket, present.printing())
        try:
            if self.center is None:  # tickets are taken from screens the center filled
                raise PrinterError("没有取到服务中心信息，暂时不能打印。")
            await self.printer.print_ticket(ticket, self.center)
        except PrinterError as exc:
            log.warning("print %s failed: %s %s", ticket.number, exc.fault, exc.detail)
            status = present.print_failed(exc.message)
        except Exception:  # a driver bug must not take the ticket away
            log.exception("print %s failed", ticket.number)
            status = present.print_failed("打印机出现故障。")
        else:
            status = present.printed()
        self.prints.append((ticket.number, status.state))
        self._report_printer(status)
        if not status.failed and self.ticket is ticket:
            self._say(present.taken_prompt(ticket.ahead))
        if status.failed and self.ticket is ticket and self.screen == "ticket":
            self._arm(self.settings.fault_seconds)
        self._print_status(ticket, status)

    def _report_printer(self, status: PrintStatus) -> None:
        low = bool(getattr(self.printer, "paper_low", False))
        self.view.show_paper(low and not status.failed)  # a small mark for staff on the home screen
        if self.health is None:
            return
        if status.failed:
            out = "纸" in status.fault or "paper" in status.fault
            self.health.update(printer="fault", paper="out" if out else "unknown", last_error=status.fault)
        else:
            self.health.update(printer="ok", paper="low" if low else "ok")

    def _print_status(self, ticket: IssuedTicket, status: PrintStatus) -> None:
        if self.ticket is ticket:
            self.print_status = status
            if self.screen == "ticket":
                self.view.show_print(status)

    def _error(self, message: str) -> None:
        self.pending = None
        self._arm(self.settings.idle_seconds)
        self._show("error", self.view.show_message, present.error(message))
