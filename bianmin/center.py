"""Load and validate the center configuration (TOML).

Every validation error names the exact field at fault, e.g.
``categories[2].matters[0].promised_days: 必须是不小于 0 的整数``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bianmin.protocol import CategoryInfo, CenterInfo, MatterInfo, OfficeInfo, WindowInfo

from .assets import SAMPLE_CENTER  # re-exported: the center every command defaults to
from .workdays import Calendar

# Working days promised for a matter done on a resident's behalf (代为办理) when the matter
# has no guide of its own to say, e.g. a case opened without a matter.
DEFAULT_PROMISED_DAYS = 5
GUIDE_FIELDS = (
    "policy_basis",
    "fees",
    "procedure",
    "materials",
    "promised_days",
    "statutory_days",
    "agency",
    "supervision",
)


class ConfigError(ValueError):
    """The center file is invalid; ``str(err)`` names the field and the reason, in Chinese."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Guide:
    """The eight public items (八公开) of one matter; the name is the matter's own."""

    policy_basis: str
    fees: str
    procedure: tuple[str, ...]
    materials: tuple[str, ...]
    promised_days: int
    statutory_days: int
    agency: str
    supervision: str
    sample: bool
    # Where the plan's wording has been overtaken (e.g. 新农合 -> 城乡居民基本医疗保险): the
    # plan's name is kept and this note says what it is called and how it works today.
    note: str = ""


@dataclass(frozen=True)
class Matter:
    code: str
    name: str
    category: str
    guide: Guide


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    matters: tuple[Matter, ...]


@dataclass(frozen=True)
class Window:
    number: int
    name: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Office:
    days: tuple[int, ...]
    open: dt.time
    close: dt.time
    note: str

    def is_open(self, local: dt.datetime) -> bool:
        """True when ``local`` (center-local time) falls in a concentrated office period."""
        return local.isoweekday() in self.days and self.open <= local.time() < self.close


@dataclass(frozen=True)
class Supervision:
    """``[supervision]`` (好差评, issue 12): how long a service may be rated before it counts
    as 基本满意 (calendar days), and the (working) days to answer a 差评 and a complaint."""

    rating_days: int = 7
    rectify_days: int = 5
    complaint_days: int = 5


@dataclass(frozen=True)
class Appointments:
    """``[appointments]`` (预约登记): slots on office days, per category, and the check-in window.

    ``capacity`` people per slot and category (0 closes booking); ``categories`` empty means
    every category. A check-in is accepted from ``checkin_before`` minutes before the slot's
    start to ``checkin_after`` minutes after it.
    """

    slot_minutes: int = 30
    capacity: int = 2
    days_ahead: int = 14
    checkin_before: int = 30
    checkin_after: int = 15
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Center:
    name: str
    timezone: str
    hotline: str
    duty_phone: str
    address: str
    working_days_only: bool
    requeue_gap: int
    office: Office
    notices: tuple[str, ...]
    windows: tuple[Window, ...]
    categories: tuple[Category, ...]
    matters: dict[str, Matter] = field(default_factory=dict)
    # [county]: the county server this hall syncs to (the command line's --county-url wins).
    county_url: str | None = None
    county_token: str | None = None
    calendar: Calendar = field(default_factory=Calendar)
    supervision: Supervision = field(default_factory=Supervision)
    # [duty]: the window(s) that take every category on a duty day, unless the rota says.
    duty_windows: tuple[int, ...] = ()
    appointments: Appointments = field(default_factory=Appointments)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def window(self, number: int) -> Window | None:
        return next((w for w in self.windows if w.number == number), None)

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)


def _get(table: dict, key: str, path: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    if key not in table:
        if default is ...:
            raise ConfigError(f"{path}.{key}" if path else key, "缺少此项")
        return default
    value = table[key]
    if kind is int and isinstance(value, bool):
        raise ConfigError(f"{path}.{key}", "必须是整数")
    if not isinstance(value, kind):
        names = {str: "文字", int: "整数", bool: "true 或 false", list: "列表", dict: "表"}
        want = names.get(kind, "正确的类型") if isinstance(kind, type) else "正确的类型"
        raise ConfigError(f"{path}.{key}" if path else key, f"必须是{want}")
    return value


def _text(table: dict, key: str, path: str, default: Any = ...) -> str:
    value = _get(table, key, path, str, default)
    if not value.strip():
        raise ConfigError(f"{path}.{key}", "不能为空")
    return value.strip()


def _texts(table: dict, key: str, path: str, default: Any = ...) -> tuple[str, ...]:
    value = _get(table, key, path, list, default)
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(f"{path}.{key}[{i}]", "必须是非空文字")
    return tuple(item.strip() for item in value)


def _days(table: dict, key: str, path: str, default: Any = ...) -> int:
    value = _get(table, key, path, int, default)
    if value < 0 or value > 365:
        raise ConfigError(f"{path}.{key}", "必须是 0 到 365 之间的整数（天）")
    return value


def _clock(table: dict, key: str, path: str) -> dt.time:
    value = _text(table, key, path)
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{path}.{key}", f"时间“{value}”格式应为 HH:MM，例如 08:30") from None


def _guide(table: dict, defaults: dict, path: str) -> Guide:
    merged = {**defaults, **{k: v for k, v in table.items() if k in GUIDE_FIELDS}}
    src = {k: (path if k in table else "guide_defaults") for k in GUIDE_FIELDS}
    guide = Guide(
        policy_basis=_text(merged, "policy_basis", src["policy_basis"]),
        fees=_text(merged, "fees", src["fees"]),
        procedure=_texts(merged, "procedure", src["procedure"]),
        materials=_texts(merged, "materials", src["materials"]),
        promised_days=_days(merged, "promised_days", src["promised_days"]),
        statutory_days=_days(merged, "statutory_days", src["statutory_days"]),
        agency=_text(merged, "agency", src["agency"]),
        supervision=_text(merged, "supervision", src["supervision"]),
        sample=_get(table, "sample", path, bool, bool(defaults.get("sample", False))),
        note=_get(table, "note", path, str, "").strip(),
    )
    if guide.promised_days > guide.statutory_days:
        raise ConfigError(f"{path}.promised_days", "承诺时限不能超过法定时限 statutory_days")
    return guide


def _dates(table: dict, key: str) -> frozenset[dt.date]:
    """TOML dates (``2027-10-08``) or quoted ISO dates (``"2027-10-08"``) under ``calendar.<key>``."""
    out = set()
    for i, item in enumerate(_get(table, key, "calendar", list, [])):
        day: dt.date | None = None
        if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
            day = item
        elif isinstance(item, str):
            try:
                day = dt.date.fromisoformat(item.strip())
            except ValueError:
                day = None
        if day is None:
            raise ConfigError(f"calendar.{key}[{i}]", "必须是日期，格式 YYYY-MM-DD，例如 2027-10-08")
        out.add(day)
    return frozenset(out)


def _calendar(data: dict) -> Calendar:
    """The optional ``[calendar]`` table: local holidays, make-up working days, declared years."""
    t = _get(data, "calendar", "", dict, {})
    for key in t:
        if key not in ("holidays", "workdays", "years"):
            raise ConfigError(f"calendar.{key}", "未知设置项，可用的有 holidays、workdays、years")
    holidays, workdays = _dates(t, "holidays"), _dates(t, "workdays")
    both = sorted(holidays & workdays)
    if both:
        raise ConfigError("calendar.workdays", f"{both[0].isoformat()} 同时列在 holidays 和 workdays 中")
    years = _get(t, "years", "calendar", list, [])
    for i, y in enumerate(years):
        if not isinstance(y, int) or isinstance(y, bool) or not 2000 <= y <= 2100:
            raise ConfigError(f"calendar.years[{i}]", "必须是 2000 到 2100 之间的年份")
    return Calendar(holidays=holidays, workdays=workdays, years=frozenset(years))


def _supervision(data: dict) -> Supervision:
    """The optional ``[supervision]`` table; each number 1–365 days."""
    t = _get(data, "supervision", "", dict, {})
    names = ("rating_days", "rectify_days", "complaint_days")
    for key in t:
        if key not in names:
            raise ConfigError(f"supervision.{key}", "未知设置项，可用的有 rating_days、rectify_days、complaint_days")
    values = {}
    for key in names:
        value = _days(t, key, "supervision", getattr(Supervision, key))
        if value < 1:
            raise ConfigError(f"supervision.{key}", "必须是 1 到 365 之间的整数（天）")
        values[key] = value
    return Supervision(**values)


def parse_center(data: dict) -> Center:
    """Validate parsed TOML ``data`` and build a :class:`Center`."""
    c = _get(data, "center", "", dict)
    tz = _text(c, "timezone", "center", "Asia/Shanghai")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("center.timezone", f"未知时区“{tz}”，例如 Asia/Shanghai") from None
    o = _get(data, "office", "", dict)
    days = _get(o, "days", "office", list)
    if not days or any(not isinstance(d, int) or isinstance(d, bool) or not 1 <= d <= 7 for d in days):
        raise ConfigError("office.days", "必须是 1（周一）到 7（周日）之间的整数列表")
    office = Office(
        tuple(sorted(set(days))),
        _clock(o, "open", "office"),
        _clock(o, "close", "office"),
        _text(o, "note", "office", "无"),
    )
    if office.open >= office.close:
        raise ConfigError("office.close", "下班时间必须晚于上班时间 office.open")
    defaults = _get(data, "guide_defaults", "", dict, {})
    cats, matters, seen_letters = [], {}, set()
    for i, cat in enumerate(_get(data, "categories", "", list)):
        p = f"categories[{i}]"
        code = _text(cat, "code", p)
        if len(code) != 1 or not ("A" <= code <= "Z"):
            raise ConfigError(f"{p}.code", f"“{code}”必须是一个大写字母 A–Z")
        if code in seen_letters:
            raise ConfigError(f"{p}.code", f"字母“{code}”重复")
        seen_letters.add(code)
        items = []
        for j, m in enumerate(_get(cat, "matters", p, list)):
            mp = f"{p}.matters[{j}]"
            mcode = _text(m, "code", mp)
            if mcode in matters:
                raise ConfigError(f"{mp}.code", f"事项编号“{mcode}”重复")
            matter = Matter(mcode, _text(m, "name", mp), code, _guide(m, defaults, mp))
            matters[mcode] = matter
            items.append(matter)
        if not items:
            raise ConfigError(f"{p}.matters", "每个类别至少要有一个事项")
        cats.append(Category(code, _text(cat, "name", p), tuple(items)))
    if not cats:
        raise ConfigError("categories", "至少要有一个类别")
    windows, numbers = [], set()
    for i, w in enumerate(_get(data, "windows", "", list)):
        p = f"windows[{i}]"
        number = _get(w, "number", p, int)
        if number < 1 or number in numbers:
            raise ConfigError(f"{p}.number", f"窗口号 {number} 必须是正整数且不能重复")
        numbers.add(number)
        wcats = _texts(w, "categories", p)
        for k, wc in enumerate(wcats):
            if wc not in seen_letters:
                raise ConfigError(f"{p}.categories[{k}]", f"没有字母为“{wc}”的类别")
        windows.append(Window(number, _text(w, "name", p), wcats))
    if not windows:
        raise ConfigError("windows", "至少要有一个窗口")
    served = {c for w in windows for c in w.categories}
    for i, cat in enumerate(cats):
        if cat.code not in served:
            raise ConfigError(f"categories[{i}].code", f"类别“{cat.name}”没有任何窗口办理")
    notices = []
    for i, n in enumerate(_get(data, "notices", "", list, [])):
        notices.append(_text(n, "text", f"notices[{i}]"))
    gap = _get(c, "requeue_gap", "center", int, 3)
    if gap < 0:
        raise ConfigError("center.requeue_gap", "必须是不小于 0 的整数")
    county = _get(data, "county", "", dict, {})
    county_url = (_get(county, "url", "county", str, "") or "").strip() or None
    county_token = (_get(county, "token", "county", str, "") or "").strip() or None
    if bool(county_url) != bool(county_token):
        raise ConfigError("county.token" if county_url else "county.url", "县级平台的 url 和 token 必须一起填写")
    return Center(
        county_url=county_url,
        county_token=county_token,
        name=_text(c, "name", "center"),
        timezone=tz,
        hotline=_text(c, "hotline", "center"),
        duty_phone=_text(c, "duty_phone", "center"),
        address=_text(c, "address", "center", "（未填写）"),
        working_days_only=_get(c, "working_days_only", "center", bool, True),
        requeue_gap=gap,
        office=office,
        notices=tuple(notices),
        windows=tuple(windows),
        categories=tuple(cats),
        matters=matters,
        calendar=_calendar(data),
        supervision=_supervision(data),
        duty_windows=_duty(data, numbers),
        appointments=_appointments(data, seen_letters),
    )


def _duty(data: dict, numbers: set[int]) -> tuple[int, ...]:
    """``[duty] windows``: the default duty window(s) on working days that are not office days."""
    t = _get(data, "duty", "", dict, {})
    out = []
    for i, n in enumerate(_get(t, "windows", "duty", list, [])):
        if not isinstance(n, int) or isinstance(n, bool) or n not in numbers:
            raise ConfigError(f"duty.windows[{i}]", "必须是本中心已有的窗口号")
        out.append(n)
    return tuple(out)


def _minutes(table: dict, key: str, default: int, low: int, high: int) -> int:
    value = _get(table, key, "appointments", int, default)
    if not low <= value <= high:
        raise ConfigError(f"appointments.{key}", f"必须是 {low} 到 {high} 之间的整数")
    return value


def _appointments(data: dict, letters: set[str]) -> Appointments:
    t = _get(data, "appointments", "", dict, {})
    cats = _texts(t, "categories", "appointments", [])
    for i, code in enumerate(cats):
        if code not in letters:
            raise ConfigError(f"appointments.categories[{i}]", f"没有字母为“{code}”的类别")
    slot = _minutes(t, "slot_minutes", 30, 5, 240)
    return Appointments(
        slot_minutes=slot,
        capacity=_minutes(t, "capacity", 2, 0, 100),
        days_ahead=_minutes(t, "days_ahead", 14, 1, 90),
        checkin_before=_minutes(t, "checkin_before", 30, 0, 240),
        checkin_after=_minutes(t, "checkin_after", 15, 0, 240),
        categories=cats,
    )


def load_center(path: Path | str = SAMPLE_CENTER) -> Center:
    """Read and validate a center TOML file; raises :class:`ConfigError`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(str(path), f"无法读取配置文件（{exc.strerror}）") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(str(path), "文件必须是 UTF-8 编码") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"TOML 格式错误：{exc}") from None
    return parse_center(data)


def center_info(center: Center, open_now: bool) -> CenterInfo:
    """The public ``GET /api/center`` message for ``center`` (``open_now``: taking tickets now)."""
    o = center.office
    return CenterInfo(
        name=center.name,
        timezone=center.timezone,
        working_days_only=center.working_days_only,
        hotline=center.hotline,
        duty_phone=center.duty_phone,
        address=center.address,
        office=OfficeInfo(list(o.days), f"{o.open:%H:%M}", f"{o.close:%H:%M}", o.note, open_now),
        notices=list(center.notices),
        categories=[
            CategoryInfo(c.code, c.name, [MatterInfo(m.code, m.name, m.guide.promised_days) for m in c.matters])
            for c in center.categories
        ],
        windows=[WindowInfo(w.number, w.name, list(w.categories)) for w in center.windows],
    )
