"""Self-inspection scoring: pure functions from plain :class:`Facts` and the weights to a score.

Nothing here reads a database or a clock: :mod:`.facts` gathers the facts, this module
only judges them, so every rule is tested with plain data. A fact the system could not
learn (a table a later version adds, say) is ``None`` with a reason in ``Facts.unknown``:
its item scores 0 and says why, never crashes.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

WEIGHTS_FILE = Path(__file__).resolve().parent / "weights.toml"
# The plan's nine systems (九项制度), to be published among the notices (相关制度).
SYSTEMS = (
    "首问负责制",
    "限时办结制",
    "一次性告知制",
    "服务承诺制",
    "否决报备制",
    "全程代理制",
    "领导带班值班制",
    "责任追究制",
    "投诉举报制",
)
ROTA_DAYS = 14  # 办公时间: the duty rota must cover the coming two weeks
BACKUP_HOURS = 48.0
DEVICE_MINUTES = 60.0
NAMES_SHOWN = 6  # a "why" names at most this many things, then "等 N 项"


class WeightsError(ValueError):
    """The weights file is invalid; the message names the field."""


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    points: int
    kind: str  # "auto" | "manual"


@dataclass(frozen=True)
class Weights:
    items: tuple[Item, ...]
    bands: tuple[tuple[int, str], ...]  # (minimum score, name), highest first

    def band(self, score: int) -> str:
        return next(name for low, name in self.bands if score >= low)


def load_weights(path: Path = WEIGHTS_FILE) -> Weights:
    """Read and check the weights: known kinds, whole points adding up to 100."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise WeightsError(f"{path}: 无法读取评分权重（{exc}）") from None
    items = []
    for i, raw in enumerate(data.get("items", [])):
        for key, kind in (("id", str), ("title", str), ("points", int), ("kind", str)):
            if not isinstance(raw.get(key), kind) or isinstance(raw.get(key), bool):
                raise WeightsError(f"items[{i}].{key}: 缺少或类型不对")
        if raw["kind"] not in ("auto", "manual"):
            raise WeightsError(f"items[{i}].kind: 必须是 auto 或 manual")
        if raw["kind"] == "auto" and raw["id"] not in RULES:
            raise WeightsError(f"items[{i}].id: 没有名为“{raw['id']}”的自动评分项")
        items.append(Item(raw["id"], raw["title"], raw["points"], raw["kind"]))
    total = sum(it.points for it in items)
    if total != 100:
        raise WeightsError(f"items: 各项分值合计必须是 100，现在是 {total}")
    bands = sorted(((int(b["min"]), str(b["name"])) for b in data.get("bands", [])), reverse=True)
    if not bands or bands[-1][0] != 0:
        raise WeightsError("bands: 必须有一档 min = 0")
    return Weights(tuple(items), tuple(bands))


@dataclass(frozen=True)
class Check:
    """A manager's tick on a manual item, with the evidence."""

    done: bool
    note: str = ""
    photo: bool = False
    by: str = ""
    at: str = ""


@dataclass(frozen=True)
class Facts:
    """What the system knows about the center, as plain data. ``None``: not known (see ``unknown``)."""

    matters: int
    sample_texts: tuple[str, ...]  # where each sample text stands, e.g. "B2 办理契税征缴事项 · 收费标准"
    unnamed_windows: tuple[int, ...]
    windows: int
    active_clerks: int | None
    clerks_missing_card: tuple[str, ...] | None  # "张三：照片、电话"
    office_days: int
    rota_days_ahead: int | None  # of the next ROTA_DAYS days, how many have someone on duty
    notices: tuple[str, ...]
    hotline_set: bool  # set and not a sample
    complaint_box: bool
    ratings_recent: int | None  # ratings in the last 30 days
    office_days_past: int  # office days of the last 4 weeks (yesterday back)
    ledger_days: int | None  # of those, days with services in the ledger
    cases_late: int | None  # promised cases overdue or closed after their due date
    devices_seen: dict[str, bool] | None  # kind -> seen in the last hour
    backup_age_hours: float | None
    checks: dict[str, Check] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)  # fact -> why it is not known


@dataclass(frozen=True)
class Result:
    id: str
    title: str
    points: int
    max: int
    why: str
    kind: str
    evidence: str = ""  # a manual item's note, shown again in the page's form

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "points": self.points, "max": self.max, "why": self.why}


@dataclass(frozen=True)
class Report:
    score: int
    band: str
    items: tuple[Result, ...]

    def to_dict(self) -> dict[str, object]:
        return {"score": self.score, "band": self.band, "items": [r.to_dict() for r in self.items]}


def _names(names: tuple[str, ...] | list[str]) -> str:
    shown = "；".join(names[:NAMES_SHOWN])
    return shown + (f" 等 {len(names)} 项" if len(names) > NAMES_SHOWN else "")


def _share(have: int, need: int, points: int) -> int:
    return points if need <= 0 else points * min(have, need) // need


Rule = Callable[[Facts, int], tuple[int, str]]


def _guides(f: Facts, pts: int) -> tuple[int, str]:
    if not f.sample_texts:
        return pts, f"{f.matters} 个事项的办事指南完整，没有示例文字"
    return 0, f"还有 {len(f.sample_texts)} 处示例文字未替换：{_names(f.sample_texts)}"


def _windows(f: Facts, pts: int) -> tuple[int, str]:
    if f.windows and not f.unnamed_windows:
        return pts, f"{f.windows} 个窗口均已命名"
    return _share(f.windows - len(f.unnamed_windows), f.windows, pts), (
        f"未命名的窗口：{'、'.join(map(str, f.unnamed_windows))} 号" if f.windows else "没有窗口"
    )


def _work_cards(f: Facts, pts: int) -> tuple[int, str]:
    if f.active_clerks is None or f.clerks_missing_card is None:
        return 0, f.unknown.get("work_cards", "无法读取工作人员的工作牌信息")
    if f.active_clerks == 0:
        return 0, "没有在岗工作人员"
    if not f.clerks_missing_card:
        return pts, f"{f.active_clerks} 名在岗工作人员均有照片、职务和电话"
    have = f.active_clerks - len(f.clerks_missing_card)
    return _share(have, f.active_clerks, pts), f"工作牌不全：{_names(f.clerks_missing_card)}"


def _office_hours(f: Facts, pts: int) -> tuple[int, str]:
    half = pts // 2
    got, why = 0, []
    if f.office_days:
        got += half
    else:
        why.append("没有设定集中办公日")
    if f.rota_days_ahead is None:
        why.append(f.unknown.get("rota", "无法读取值班安排"))
    elif f.rota_days_ahead >= ROTA_DAYS:
        got += pts - half
    else:
        got += _share(f.rota_days_ahead, ROTA_DAYS, pts - half)
        why.append(f"未来 {ROTA_DAYS} 天中只有 {f.rota_days_ahead} 天排了值班")
    return got, "；".join(why) or f"每周 {f.office_days} 个集中办公日，未来 {ROTA_DAYS} 天均有值班"


def _systems(f: Facts, pts: int) -> tuple[int, str]:
    text = "".join(f.notices)
    missing = [s for s in SYSTEMS if s not in text]
    if not missing:
        return pts, "九项制度均已在公告中公开"
    return _share(len(SYSTEMS) - len(missing), len(SYSTEMS), pts), f"公告中没有：{'、'.join(missing)}"


def _supervision(f: Facts, pts: int) -> tuple[int, str]:
    half = pts // 2
    got = (half if f.hotline_set else 0) + (pts - half if f.complaint_box else 0)
    why = []
    if not f.hotline_set:
        why.append("投诉监督电话未设定或仍是示例")
    if not f.complaint_box:
        why.append("公告中没有说明意见箱")
    return got, "；".join(why) or "投诉监督电话已设定，意见箱在用"


def _ratings(f: Facts, pts: int) -> tuple[int, str]:
    if f.ratings_recent is None:
        return 0, f.unknown.get("ratings", "系统还不能收集群众评价")
    if f.ratings_recent == 0:
        return 0, "最近 30 天没有收到群众评价"
    return pts, f"最近 30 天收到 {f.ratings_recent} 条群众评价"


def _ledger(f: Facts, pts: int) -> tuple[int, str]:
    half = pts // 2
    got, why = 0, []
    if f.ledger_days is None:
        why.append(f.unknown.get("ledger", "无法读取办件台帐"))
    elif f.office_days_past and f.ledger_days < f.office_days_past:
        got += _share(f.ledger_days, f.office_days_past, half)
        why.append(f"近 4 周 {f.office_days_past} 个集中办公日中只有 {f.ledger_days} 天有办件记录")
    else:
        got += half
    if f.cases_late is None:
        why.append(f.unknown.get("cases", "无法读取承诺件"))
    elif f.cases_late:
        why.append(f"{f.cases_late} 件承诺件超期未办结或逾期办结")
    else:
        got += pts - half
    return got, "；".join(why) or "每个办公日都有办件记录，承诺件均按时办结"


def _devices(f: Facts, pts: int) -> tuple[int, str]:
    if f.devices_seen is None:
        return 0, f.unknown.get("devices", "无法读取设备在线时间")
    names = {"display": "大厅显示屏", "kiosk": "取号机"}
    missing = [names[k] for k in ("display", "kiosk") if not f.devices_seen.get(k)]
    if not missing:
        return pts, "显示屏和取号机在最近一小时内在线"
    got = pts // 2 if len(missing) == 1 else 0
    return got, f"最近一小时没有在线：{'、'.join(missing)}"


def _backup(f: Facts, pts: int) -> tuple[int, str]:
    if f.backup_age_hours is None:
        return 0, f.unknown.get("backup", "没有找到数据备份")
    if f.backup_age_hours <= BACKUP_HOURS:
        return pts, f"最近一次备份在 {f.backup_age_hours:.0f} 小时前"
    return 0, f"最近一次备份在 {f.backup_age_hours / 24:.0f} 天前，超过 {BACKUP_HOURS:.0f} 小时"


RULES: dict[str, Rule] = {
    "guides": _guides,
    "windows": _windows,
    "work_cards": _work_cards,
    "office_hours": _office_hours,
    "systems": _systems,
    "supervision": _supervision,
    "ratings": _ratings,
    "ledger": _ledger,
    "devices": _devices,
    "backup": _backup,
}


def _manual(f: Facts, item: Item) -> tuple[int, str]:
    check = f.checks.get(item.id)
    if check is None or not check.done:
        return 0, "负责人尚未确认（请在自查页面勾选并附说明或照片）"
    if not check.note.strip() and not check.photo:
        return 0, "已勾选但没有说明或照片作为依据"
    evidence = check.note.strip() or "已附照片"
    return item.points, f"已确认：{evidence}" + (f"（{check.by} {check.at}）" if check.by else "")


def score(facts: Facts, weights: Weights) -> Report:
    """Each item's points and why, the total and the plan's band."""
    results = []
    for item in weights.items:
        got, why = RULES[item.id](facts, item.points) if item.kind == "auto" else _manual(facts, item)
        got = max(0, min(item.points, got))
        if got < item.points and why:
            why = f"扣 {item.points - got} 分：{why}"
        check = facts.checks.get(item.id) if item.kind == "manual" else None
        results.append(Result(item.id, item.title, got, item.points, why, item.kind, check.note if check else ""))
    total = sum(r.points for r in results)
    return Report(total, weights.band(total), tuple(results))
