"""What each kiosk screen shows, as plain data and Chinese text (no Kivy, unit-testable)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bianmin.assets import ICONS_DIR
from bianmin.protocol import CategoryInfo, CenterInfo, IssuedTicket
from bianmin.text import date_text, duty_line, serving_windows
from kiosk import daymode_text

HELP_TEXT = "点一下要办的业务，就能取号。\n不会操作、看不清，请找大厅工作人员帮忙。"
PRIORITY_TITLE = "绿色通道"
PRIORITY_HINT = "老年人、残疾人、孕妇、急事急办"
PRIORITY_PICK = "绿色通道：请选择要办理的业务"
UNSURE_TEXT = "不确定，先取号"
QR_CAPTION = "用手机扫码，查看办事指南和排队进度"


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    icon: str
    waiting: str


@dataclass(frozen=True)
class HomeModel:
    title: str
    date: str
    tiles: tuple[Tile, ...]
    priority: bool
    help: str = HELP_TEXT
    banner: str = ""


@dataclass(frozen=True)
class MatterRow:
    code: str | None  # None: "not sure", a ticket of the category with no matter
    text: str


@dataclass(frozen=True)
class MattersModel:
    category: str
    title: str
    subtitle: str
    rows: tuple[MatterRow, ...]
    priority: bool


@dataclass(frozen=True)
class TicketModel:
    number: str
    ahead: str
    category: str
    matter: str
    priority: bool
    guide_url: str
    caption: str = QR_CAPTION
    windows: str = ""  # 请到 1 号窗口办理: the window(s) that serve this ticket


@dataclass(frozen=True)
class PrintStatus:
    state: str  # "printing" | "done" | "failed"
    text: str
    fault: str = ""  # the printer's own message when it failed

    @property
    def failed(self) -> bool:
        return self.state == "failed"


@dataclass(frozen=True)
class MessageModel:
    """A full-screen message: loading, unreachable, closed, busy or error."""

    kind: str
    title: str
    body: str
    phone: str = ""  # shown large, e.g. the duty phone
    button: str = ""  # button text; empty for none
    action: str = ""  # what the button does: "home" or "retry"


def day_text(day: str | None, today: dt.date | None = None) -> str:
    """``2026-11-30`` -> ``2026年11月30日 星期一``; falls back to ``today``."""
    try:
        date = dt.date.fromisoformat(day) if day else None
    except ValueError:
        date = None
    return date_text(date or today or dt.date.today())


def waiting_text(n: int | None) -> str:
    return "等候人数 —" if n is None else f"等候 {n} 人"


def ahead_text(n: int) -> str:
    return "前面没有人，请留意叫号" if n <= 0 else f"前面还有 {n} 人"


def wait_text(minutes: int | None) -> str:
    """The server's 预计等待, or nothing when it has no estimate (no history yet)."""
    return "" if minutes is None else f"预计等待约 {max(1, minutes)} 分钟"


def icon_path(code: str) -> str:
    path = ICONS_DIR / f"{code}.png"
    return str(path if path.is_file() else ICONS_DIR / "default.png")


def home_model(center: CenterInfo, day: str | None, waiting: dict[str, int], priority: bool) -> HomeModel:
    tiles = tuple(Tile(c.code, c.name, icon_path(c.code), waiting_text(waiting.get(c.code))) for c in center.categories)
    return HomeModel(
        center.name,
        day_text(day),
        tiles,
        priority,
        help=daymode_text.home_help(center, HELP_TEXT) + duty_text(center),
        banner=PRIORITY_PICK if priority else "",
    )


def matters_model(cat: CategoryInfo, priority: bool, waiting: int | None) -> MattersModel:
    rows = tuple(MatterRow(m.code, m.name) for m in cat.matters)
    sub = "请点选要办理的事项" + (f"（{waiting_text(waiting)}）" if waiting is not None else "")
    return MattersModel(cat.code, cat.name, sub, (*rows, MatterRow(None, UNSURE_TEXT)), priority)


def ticket_model(t: IssuedTicket, center: CenterInfo | None = None) -> TicketModel:
    return TicketModel(
        t.number,
        "\n".join(filter(None, (daymode_text.ticket_note(t), ahead_text(t.ahead), wait_text(t.wait_minutes)))),
        t.category_name or t.category,
        t.matter_name or "",
        t.priority,
        t.guide_url,
        # On a duty day the ticket names its duty window (the note above) instead.
        windows=serving_windows(center, t.category) if center is not None and t.window is None else "",
    )


PAPER_LOW_MARK = "● 纸少"  # a small corner mark for staff, nothing a resident need worry about
HOME_PROMPT = "请点击您要办理的业务"  # said on the home screen


def taken_prompt(ahead: int) -> str:
    """Said once the ticket is printed."""
    return f"请取走您的号票，您前面还有 {ahead} 人" if ahead else "请取走您的号票，您前面没有人，请留意叫号"


LOADING = MessageModel("loading", "正在连接服务器…", "请稍候。")
# After a bug stopped the kiosk's refresh loop (it is in the log): honest, and no retry button.
OUT_OF_ORDER = MessageModel("error", "取号机暂停服务", "请找大厅工作人员帮您取号。")
BUSY = MessageModel("busy", "正在取号…", "请稍候，不要离开。")


def unreachable(attempt: int) -> MessageModel:
    return MessageModel(
        "unreachable",
        "暂时连不上排队服务器",
        f"正在自动重试（第 {attempt} 次）。\n请稍候，或请工作人员检查网络和服务器。",
        button="立即重试",
        action="retry",
    )


def server_problem(message: str, attempt: int) -> MessageModel:
    return MessageModel(
        "unreachable",
        "排队服务器暂时不能取号",
        f"{message}\n正在自动重试（第 {attempt} 次）。",
        button="立即重试",
        action="retry",
    )


def closed(center: CenterInfo | None, server_message: str = "", day: str | None = None) -> MessageModel:
    if center is None:
        return MessageModel("closed", "现在不是办公时间", server_message, button="返回", action="home")
    note = daymode_text.next_open_note(center) or f"\n{center.office.note}"
    body = f"今天是{day_text(day)}\n集中办公时间：{center.office.hours}{note}{duty_text(center)}"
    return MessageModel(
        "closed", "现在不是办公时间，暂停取号", body, phone=center.duty_phone, button="预约取号", action="checkin"
    )


def duty_text(center: CenterInfo) -> str:
    """Today's duty staff and leader on duty with their phones (a new line), or ""."""
    line = duty_line(center.duty)
    return f"\n{line}" if line else ""


def error(message: str) -> MessageModel:
    return MessageModel(
        "error", "没有取到号", f"{message}\n如需帮助，请找大厅工作人员。", button="返回首页", action="home"
    )


def printing() -> PrintStatus:
    return PrintStatus("printing", "正在打印小票…")


def printed() -> PrintStatus:
    return PrintStatus("done", "请取走下方的小票")


def print_failed(fault: str) -> PrintStatus:
    return PrintStatus("failed", "小票没有打印出来，号码照样有效", fault)
