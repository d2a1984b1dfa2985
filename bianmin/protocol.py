"""Typed messages shared by the server, the kiosk, the display and the clerk console.

Every message is a frozen dataclass with explicit field names. ``to_dict`` gives the
JSON-ready form that goes on the wire; ``from_dict`` rebuilds it and rejects unknown
shapes with :class:`ProtocolError`. The clerk console's JavaScript reads the same keys.

WebSocket ``/ws`` sends a :class:`Snapshot` first, then :class:`Event` messages, each
with a strictly increasing ``seq``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bianmin.text import office_hours

# Ticket states (see queue_server.rules for the transitions).
TicketStatus = Literal["waiting", "called", "serving", "done", "no_show", "transferred", "expired"]
# The plan's six handling modes (六制度办理).
Outcome = Literal["instant", "promised", "joint", "agency", "assisted", "rejected"]
OUTCOMES: tuple[str, ...] = typing.get_args(Outcome)
OUTCOME_NAMES = {
    "instant": "即时办理",
    "promised": "承诺办理",
    "joint": "联合办理",
    "agency": "代为办理",
    "assisted": "协助办理",
    "rejected": "退办告知",
}
STATUS_NAMES = {
    "waiting": "等候中",
    "called": "已叫号",
    "serving": "办理中",
    "done": "已办结",
    "no_show": "已过号",
    "transferred": "已转移",
    "expired": "已过期",
}
EventType = Literal[
    "ticket_issued",
    "ticket_called",
    "ticket_recalled",
    "service_started",
    "ticket_no_show",
    "ticket_requeued",
    "ticket_transferred",
    "service_finished",
    "window_paused",
    "window_resumed",
    "tickets_expired",
    "case_closed",
    "day_started",
    "center_changed",
]


class ProtocolError(ValueError):
    """A message does not have the expected shape."""


def _convert(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value, where)
    if origin is Literal:
        if value not in typing.get_args(tp):
            raise ProtocolError(f"{where}: unexpected value {value!r}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise ProtocolError(f"{where}: expected a list")
        (item,) = typing.get_args(tp)
        return [_convert(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ProtocolError(f"{where}: expected an object")
        _, vt = typing.get_args(tp)
        return {str(k): _convert(vt, v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(tp, type) and issubclass(tp, Message):
        return tp.from_dict(value)
    if tp is int and (not isinstance(value, int) or isinstance(value, bool)):
        raise ProtocolError(f"{where}: expected an integer")
    if tp is bool and not isinstance(value, bool):
        raise ProtocolError(f"{where}: expected true or false")
    if tp is str and not isinstance(value, str):
        raise ProtocolError(f"{where}: expected a string")
    return value


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


_LEAVES = (str, int, bool, float, type(None))


def _is_leaf(tp: Any) -> bool:
    """A hint whose values are sent as they are (no message, list or dict inside)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return all(_is_leaf(a) for a in typing.get_args(tp))
    return origin is Literal or tp in _LEAVES


_PLANS: dict[type, tuple[tuple[str, bool], ...]] = {}


def _plan(cls: type) -> tuple[tuple[str, bool], ...]:
    """Each field's name, and whether its value needs :func:`_plain` (built once per class)."""
    plan = _PLANS.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls)
        plan = _PLANS[cls] = tuple((name, not _is_leaf(hints.get(name, Any))) for name in _field_names(cls))
    return plan


def _plain(value: Any) -> Any:
    if isinstance(value, Message):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class Message:
    """Mixin: dict round-trip for the dataclasses below."""

    def to_dict(self) -> dict[str, Any]:
        # Hand-rolled instead of dataclasses.asdict, which deep-copies every leaf: this runs
        # for every event on the hot path.
        # Fields typed as plain values skip the walk (most of an event's fields).
        return {name: _plain(getattr(self, name)) if deep else getattr(self, name) for name, deep in _plan(type(self))}

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        if not isinstance(data, dict):
            raise ProtocolError(f"{cls.__name__}: expected an object")
        hints = typing.get_type_hints(cls)
        kwargs = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name in data:
                kwargs[f.name] = _convert(hints[f.name], data[f.name], f"{cls.__name__}.{f.name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ProtocolError(f"{cls.__name__}: missing field {f.name!r}")
        return cls(**kwargs)


@dataclass(frozen=True)
class TicketView(Message):
    """A ticket as everyone but its holder sees it (no token)."""

    id: int
    number: str
    category: str
    matter: str | None
    matter_name: str | None
    priority: bool
    status: TicketStatus
    window: int | None
    issued_at: str
    called_at: str | None = None
    transferred_to: int | None = None
    appointment: bool = False  # checked in with a booking (预约)


@dataclass(frozen=True)
class WorkCard(Message):
    """The work card (工作牌) of the clerk signed in at a window: name, post and photo."""

    name: str
    post: str
    photo_url: str | None = None


@dataclass(frozen=True)
class WindowView(Message):
    number: int
    name: str
    categories: list[str]
    paused: bool
    clerk: str | None
    ticket: TicketView | None
    served_today: int = 0
    card: WorkCard | None = None


@dataclass(frozen=True)
class CallView(Message):
    number: str
    window: int
    at: str
    recall: bool = False


@dataclass(frozen=True)
class Snapshot(Message):
    """The whole hall at ``seq``; sent first on every WebSocket connection."""

    TYPE: ClassVar[str] = "snapshot"
    seq: int
    day: str
    waiting: dict[str, int]
    windows: list[WindowView]
    recent_calls: list[CallView]
    queue: list[TicketView]
    type: Literal["snapshot"] = "snapshot"


@dataclass(frozen=True)
class Event(Message):
    """One committed change. ``window`` is the window that acted (or was acted on)."""

    seq: int
    type: EventType
    at: str
    waiting: dict[str, int]
    ticket: TicketView | None = None
    window: WindowView | None = None
    to_window: WindowView | None = None
    tickets: list[TicketView] = field(default_factory=list)
    outcome: Outcome | None = None
    # Set on "day_started": the new service day (YYYY-MM-DD). Clients clear the day's calls.
    day: str | None = None
    # Set on "window_paused" when the clerk gave one: why (休息, 会议 …), for the attendance sheet.
    reason: str | None = None


@dataclass(frozen=True)
class IssuedTicket(Message):
    """Body of ``201`` from ``POST /api/tickets``: what the kiosk prints."""

    token: str
    number: str
    category: str
    matter: str | None
    priority: bool
    ahead: int
    issued_at: str
    guide_url: str
    category_name: str = ""
    matter_name: str | None = None
    wait_minutes: int | None = None  # 预计等待 in minutes; None: no estimate (no history yet)
    window: int | None = None  # on a duty day: the duty window that serves it
    appointment: bool = False  # checked in with a booking (预约), called before walk-ins


@dataclass(frozen=True)
class TicketState(Message):
    """Body of ``GET /api/tickets/{token}``: the holder's live place in line."""

    number: str
    status: TicketStatus
    ahead: int
    window: int | None
    wait_minutes: int | None = None  # while waiting: 预计等待 in minutes, else None


@dataclass(frozen=True)
class OfficeInfo(Message):
    """The concentrated office periods (集中办公): ISO weekdays, ``HH:MM`` times."""

    days: list[int]
    open: str
    close: str
    note: str
    open_now: bool

    @property
    def hours(self) -> str:
        """E.g. ``每周一、三、五 08:30—17:30``."""
        return office_hours(self.days, self.open, self.close)


@dataclass(frozen=True)
class MatterInfo(Message):
    code: str
    name: str
    promised_days: int


@dataclass(frozen=True)
class CategoryInfo(Message):
    code: str
    name: str
    matters: list[MatterInfo]


@dataclass(frozen=True)
class WindowInfo(Message):
    number: int
    name: str
    categories: list[str]


@dataclass(frozen=True)
class DutyPerson(Message):
    name: str
    post: str
    phone: str


@dataclass(frozen=True)
class DutyInfo(Message):
    """Today's duty (值班) staff and the leader on duty (领导带班), from the manager's rota."""

    day: str
    staff: list[DutyPerson]
    leader: DutyPerson | None = None


@dataclass(frozen=True)
class CenterInfo(Message):
    """Body of ``GET /api/center``: the center's public settings, and whether it is open now.

    Built by :func:`bianmin.center.center_info`; the kiosk, its tickets and the hall display
    all read it through :meth:`from_dict`, which also checks that ``timezone`` is known.
    """

    name: str
    timezone: str
    working_days_only: bool
    hotline: str
    duty_phone: str
    address: str
    office: OfficeInfo
    notices: list[str]
    categories: list[CategoryInfo]
    windows: list[WindowInfo]
    duty: DutyInfo | None = None
    mode: DayModeInfo | None = None  # 集中办公 / 值班 / 休息 now (issue 14)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        info = super().from_dict(data)
        try:
            ZoneInfo(info.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ProtocolError(f"CenterInfo.timezone: unknown time zone {info.timezone!r}") from None
        return info

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def category(self, code: str) -> CategoryInfo | None:
        return next((c for c in self.categories if c.code == code), None)

    @property
    def window_names(self) -> dict[int, str]:
        """Window number -> name, in configured order."""
        return {w.number: w.name for w in self.windows}

    @property
    def category_names(self) -> dict[str, str]:
        """Category letter -> name, in configured order."""
        return {c.code: c.name for c in self.categories}


def parse_ws_message(data: Any) -> Snapshot | Event:
    """Decode one WebSocket JSON object into a Snapshot or an Event."""
    if isinstance(data, dict) and data.get("type") == "snapshot":
        return Snapshot.from_dict(data)
    return Event.from_dict(data)


CaseBucket = Literal["open", "due_soon", "overdue"]


@dataclass(frozen=True)
class CaseView(Message):
    """One open case (承诺件、代办件、联办件) in ``GET /api/cases``, sorted into a due-date bucket.
    ``window`` took the service; a joint case is ``joint_window``'s part to close."""

    id: int
    kind: Outcome
    kind_name: str
    due: str
    opened_at: str
    number: str
    day: str
    window: int | None
    matter: str | None
    matter_name: str | None
    agency_to: str | None
    bucket: CaseBucket
    bucket_name: str
    days_left: int
    joint_window: int | None = None


@dataclass(frozen=True)
class CaseList(Message):
    """Body of ``GET /api/cases``: the service day and its open cases, soonest due first."""

    today: str
    cases: list[CaseView]
    requests: list[RequestView] = field(default_factory=list)  # open 委托/上门/代办 requests


# ---- the public view: what anyone on the hall's Wi-Fi may read ------------------------------
# Numbers, windows and counts only: no matter, no times, no ticket ids, no clerk names, no
# line. The same Snapshot/Event types with those fields emptied, so every board reads both;
# the display (device token) and the clerk console (session) get the full view.


def public_ticket(t: TicketView | None) -> TicketView | None:
    if t is None:
        return None
    return TicketView(
        id=0,
        number=t.number,
        category=t.category,
        matter=None,
        matter_name=None,
        priority=t.priority,
        status=t.status,
        window=t.window,
        issued_at="",
        transferred_to=t.transferred_to,
    )


def public_window(w: WindowView) -> WindowView:
    return dataclasses.replace(w, clerk=None, ticket=public_ticket(w.ticket))


def public_event(e: Event) -> Event:
    """``e`` as anonymous clients see it."""
    return Event(
        seq=e.seq,
        type=e.type,
        at=e.at,
        waiting=e.waiting,
        ticket=public_ticket(e.ticket),
        window=public_window(e.window) if e.window else None,
        to_window=public_window(e.to_window) if e.to_window else None,
        day=e.day,
    )


@dataclass(frozen=True)
class GuideInfo(Message):
    """Body of ``GET /api/guides/{matter}``: one matter's guide (八公开), as the kiosk prints it.

    ``sample``: some of its texts are samples the center has not replaced; the printed
    slip says so.
    """

    code: str
    name: str
    category: str
    category_name: str
    policy_basis: str
    fees: str
    procedure: list[str]
    materials: list[str]
    promised_days: int
    statutory_days: int
    agency: str
    supervision: str
    note: str
    sample: bool


DeviceState = Literal["ok", "fault", "unknown", "none"]
PaperState = Literal["ok", "low", "out", "unknown", "none"]


@dataclass(frozen=True)
class DeviceHealth(Message):
    """Body of ``POST /api/devices/health``: how a kiosk or a display is doing.

    Sent by the device with its token, on change and every minute; the server keeps the
    last one per device (``devices.last_health``) for the manager console's device list.
    ``none``: the device has no such part (a display has no printer).
    """

    version: str
    audio: DeviceState = "none"
    printer: DeviceState = "none"
    paper: PaperState = "none"
    last_error: str | None = None


# ---- supervision (issue 12): 好差评 ratings, the complaint box, the month's results ---------

RatingLevel = Literal["very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied"]
RATING_LEVELS: tuple[str, ...] = typing.get_args(RatingLevel)
RATING_NAMES = {
    "very_satisfied": "非常满意",
    "satisfied": "满意",
    "basic": "基本满意",
    "dissatisfied": "不满意",
    "very_dissatisfied": "非常不满意",
}
BAD_LEVELS: tuple[str, ...] = ("dissatisfied", "very_dissatisfied")  # 差评


@dataclass(frozen=True)
class SupervisionResults(Message):
    """The month's published supervision figures (``GET /api/supervision/results``): shown on
    the guide site and in the hall display's footer, and counted by the county board.

    ``satisfaction_rate``: share of the month's counted ratings (by residents, plus services
    never rated within the period, which count as 基本满意) that are not 差评; a 差评 whose
    appeal was upheld is left out. ``complaint_reply_rate``: share of the month's complaints
    answered. Both None while there is nothing to count. ``bad_open``, ``bad_overdue`` and
    ``complaints_overdue`` count the open backlog on the day asked, whatever its month.
    """

    month: str  # YYYY-MM
    satisfaction_rate: float | None
    rated: int
    defaulted: int
    bad_open: int
    bad_overdue: int
    complaints: int
    complaint_reply_rate: float | None
    complaints_overdue: int


DayModeName = Literal["office", "duty", "closed"]


@dataclass(frozen=True)
class DayModeInfo(Message):
    """``mode`` in ``GET /api/center``: 集中办公, 值班 (with the duty windows) or closed (with
    the next opening, ISO 8601, or None when none is known within a month)."""

    now: DayModeName
    duty_windows: list[int] = field(default_factory=list)
    next_open: str | None = None


@dataclass(frozen=True)
class BookingInfo(Message):
    """Body of ``201`` from ``POST /api/appointments``: the 6-digit code, the slot, its page."""

    code: str
    slot: str
    url: str
    category: str = ""
    category_name: str = ""


@dataclass(frozen=True)
class SlotInfo(Message):
    """One bookable slot of ``GET /api/appointments/slots``."""

    slot: str
    capacity: int
    booked: int


RequestKind = Literal["entrusted", "home_visit", "cross_department"]
REQUEST_KINDS: tuple[str, ...] = typing.get_args(RequestKind)
REQUEST_KIND_NAMES = {"entrusted": "委托办理", "home_visit": "上门服务", "cross_department": "跨部门代办"}
RequestStatus = Literal["open", "done", "rejected"]
REQUEST_STATUS_NAMES = {"open": "办理中", "done": "已办结", "rejected": "不予办理"}


@dataclass(frozen=True)
class RequestView(Message):
    """One request (委托办理, 上门服务, 跨部门代办) in ``GET /api/requests`` and the case list:
    like a promised case, with a due date, an assignee and, once closed, its outcome."""

    code: str
    kind: RequestKind
    kind_name: str
    name: str
    village: str
    phone: str
    matter: str | None
    matter_name: str | None
    detail: str
    materials: str
    department: str
    due: str
    status: RequestStatus
    status_name: str
    outcome: str
    created_at: str
    created_by: str
    assignee: str | None = None
    closed_at: str | None = None
    bucket: CaseBucket | None = None  # while open: 待办结 / 即将超期 / 已超期
    bucket_name: str = ""
