"""预约取号: the kiosk's keypad check-in with a booking's 6-digit code (no Kivy).

A resident who booked types the code on a big keypad, or holds the booking's QR code to
the kiosk's scanner: a keyboard-wedge scanner types the digits and Enter, which reach
:meth:`CheckinFlow.typed` and :meth:`CheckinFlow.enter` from any home-level screen. Six
digits check in at once. A valid check-in shows and prints the ticket like any other;
too early, too late, already used and unknown codes each get a plain screen saying what
to do. The flow is composed with the :class:`~kiosk.controller.KioskController`, whose
screens, idle clock and printing it uses.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.api_client import ApiError, ServerUnreachable
from kiosk.present import MessageModel

if TYPE_CHECKING:
    from kiosk.controller import KioskController

log = logging.getLogger("kiosk.checkin")
CODE_LENGTH = 6
BUTTON = "预约取号"
HINT = "请输入预约时得到的 6 位预约码\n有预约二维码的，请对准下方扫码口"
KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back")
KEY_TEXT = {"clear": "清除", "back": "退格"}
ENTRY_SCREENS = ("home", "closed", "checkin")

# What each refusal means for the resident (title, what to do); the server's message follows.
REFUSALS = {
    "too_early": ("还没到签到时间", "请在预约时段开始前 30 分钟内再来取号。"),
    "too_late": ("已过签到时间", "您可以直接取普通号排队，或用手机重新预约。"),
    "already_used": ("这个预约码已经取过号", "如号票丢失，请找大厅工作人员。"),
    "appointment_not_found": ("没有这个预约码", "请核对预约短信或页面上的 6 位数字，重新输入。"),
    "cancelled": ("这个预约已经取消", "您可以直接取普通号排队，或重新预约。"),
}


@dataclass(frozen=True)
class CheckinModel:
    """The keypad screen: the digits typed so far and the hint."""

    digits: str
    hint: str = HINT
    busy: bool = False

    @property
    def shown(self) -> str:
        """``"123___"`` spaced out: what the big display shows."""
        return " ".join(self.digits.ljust(CODE_LENGTH, "_"))


def press(digits: str, key: str) -> str:
    """The digits after one key: a digit (up to six), 退格 or 清除."""
    if key == "clear":
        return ""
    if key == "back":
        return digits[:-1]
    if key.isascii() and key.isdigit() and len(key) == 1 and len(digits) < CODE_LENGTH:
        return digits + key
    return digits


def refusal(code: str, message: str) -> MessageModel:
    """The plain screen for a refused check-in."""
    title, todo = REFUSALS.get(code, ("没有取到号", "如需帮助，请找大厅工作人员。"))
    body = f"{message}\n{todo}" if code in ("too_early", "too_late") else todo
    return MessageModel("error", title, body, button="返回首页", action="home")


class CheckinFlow:
    """The keypad's state and the check-in call, over the kiosk controller."""

    def __init__(self, ctl: KioskController) -> None:
        self.ctl = ctl
        self.digits = ""
        self.checkins: list[tuple[str, str]] = []  # (code, "ok" | error code), for logs and tests

    def _model(self) -> CheckinModel:
        return CheckinModel(self.digits, busy=self.ctl.issuing)

    def open(self, digits: str = "") -> None:
        """The 预约取号 button (home or the closed notice): the keypad, empty."""
        ctl = self.ctl
        if ctl.screen not in ENTRY_SCREENS or ctl.issuing or ctl.center is None:
            return
        ctl.priority = False
        self.digits = digits
        ctl._arm(ctl.settings.idle_seconds)
        ctl._show("checkin", ctl.view.show_checkin, self._model())

    def key(self, key: str) -> None:
        """A tap on the keypad; the sixth digit checks in."""
        ctl = self.ctl
        if ctl.screen != "checkin" or ctl.issuing:
            return
        ctl._arm(ctl.settings.idle_seconds)
        self.digits = press(self.digits, key)
        ctl._show("checkin", ctl.view.show_checkin, self._model())
        if len(self.digits) == CODE_LENGTH:
            self.submit()

    def typed(self, text: str) -> None:
        """Characters from a keyboard-wedge scanner (or a keyboard): digits go to the keypad."""
        digits = "".join(c for c in text if c.isascii() and c.isdigit())
        if not digits:
            return
        if self.ctl.screen in ("home", "closed"):
            self.open()
        for d in digits:
            self.key(d)

    def enter(self) -> None:
        """Enter (a scanner ends its code with it): check in with what was typed."""
        if self.ctl.screen == "checkin" and len(self.digits) == CODE_LENGTH:
            self.submit()

    def submit(self) -> None:
        ctl = self.ctl
        if ctl.screen != "checkin" or ctl.issuing or len(self.digits) != CODE_LENGTH:
            return
        ctl.issuing = True
        ctl._arm(None)
        ctl._spawn(self._check_in(self.digits, uuid.uuid4().hex))

    async def _check_in(self, code: str, request_id: str) -> None:
        ctl = self.ctl
        try:
            ticket = await ctl.api.check_in(code, request_id)
        except ServerUnreachable as exc:
            log.warning("check-in %s: %s", code, exc.detail)
            self.checkins.append((code, exc.code))
            ctl._error(exc.message)
            return
        except ApiError as exc:
            self.checkins.append((code, exc.code))
            self.digits = ""
            ctl._arm(ctl.settings.idle_seconds)
            ctl._show("error", ctl.view.show_message, refusal(exc.code, exc.message))
            return
        finally:
            ctl.issuing = False
        self.checkins.append((code, "ok"))
        self.digits = ""
        ctl.show_issued(ticket)
