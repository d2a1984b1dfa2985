"""Gather the self-inspection :class:`~.score.Facts` from the center, the database and the disk.

Read-only, and defensive on purpose: some facts live in tables other modules add (the
manager console's work cards, device ``last_seen``, backups; a duty rota; ratings). When a
table or column is not there, the fact is ``None`` with a reason in ``Facts.unknown``, and
its item scores 0 saying why. The clock is passed in.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bianmin.center import Center
from bianmin.samples import all_samples, is_sample

from ..store import Store
from .score import DEVICE_MINUTES, ROTA_DAYS, Check, Facts

LEDGER_WEEKS = 4
RATINGS_DAYS = 30
ROTA_TABLES = (("duty_rota", "day"), ("duty_roster", "day"), ("rota", "day"))  # (table, date column)


async def columns(store: Store, table: str) -> set[str]:
    """The columns of ``table`` (empty when there is no such table)."""
    rows = await store.fetchall(f"SELECT name FROM pragma_table_info('{table}')")
    return {r["name"] for r in rows}


def _iso(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


async def _work_cards(store: Store, unknown: dict[str, str]) -> tuple[int | None, tuple[str, ...] | None]:
    cols = await columns(store, "clerks")
    need = {"post", "phone", "photo"}
    if not need <= cols:
        unknown["work_cards"] = f"数据库还没有工作牌信息（clerks 表缺少 {'、'.join(sorted(need - cols))} 列）"
        return None, None
    role = "AND role != 'agent'" if "role" in cols else ""
    rows = await store.fetchall(
        f"SELECT name, post, phone, photo IS NOT NULL AND length(photo) > 0 AS has_photo "
        f"FROM clerks WHERE active = 1 {role} ORDER BY id"
    )
    missing = []
    for r in rows:
        lacks = [
            w
            for w, ok in (
                ("照片", r["has_photo"]),
                ("职务", (r["post"] or "").strip()),
                ("电话", (r["phone"] or "").strip()),
            )
            if not ok
        ]
        if lacks:
            missing.append(f"{r['name']}缺{'、'.join(lacks)}")
    return len(rows), tuple(missing)


async def _rota(store: Store, today: dt.date, unknown: dict[str, str]) -> int | None:
    for table, col in ROTA_TABLES:
        if col in await columns(store, table):
            end = today + dt.timedelta(days=ROTA_DAYS - 1)
            rows = await store.fetchall(
                f"SELECT COUNT(DISTINCT {col}) AS n FROM {table} WHERE {col} BETWEEN ? AND ?",
                (today.isoformat(), end.isoformat()),
            )
            return int(rows[0]["n"])
    unknown["rota"] = "系统还没有值班安排（没有值班表）"
    return None


async def _ratings(store: Store, now: dt.datetime, unknown: dict[str, str]) -> int | None:
    since = (now - dt.timedelta(days=RATINGS_DAYS)).isoformat()
    cols = await columns(store, "ratings")
    if "at" in cols:
        # Residents' own ratings: a service never rated counts as 基本满意 (source 'default')
        # in the results, but it is no evidence that residents are asked.
        own = " AND source != 'default'" if "source" in cols else ""
        rows = await store.fetchall(f"SELECT COUNT(*) AS n FROM ratings WHERE at >= ?{own}", (since,))
        return int(rows[0]["n"])
    if "rating" in await columns(store, "tickets"):
        rows = await store.fetchall(
            "SELECT COUNT(*) AS n FROM tickets WHERE rating IS NOT NULL AND issued_at >= ?", (since,)
        )
        return int(rows[0]["n"])
    unknown["ratings"] = "系统还不能收集群众评价（没有评价记录表）"
    return None


def _past_office_days(center: Center, today: dt.date) -> list[str]:
    days = (today - dt.timedelta(days=n) for n in range(1, LEDGER_WEEKS * 7 + 1))
    return [d.isoformat() for d in days if d.isoweekday() in center.office.days]


async def _ledger(store: Store, center: Center, today: dt.date) -> tuple[int, int, int]:
    office = _past_office_days(center, today)
    rows = await store.fetchall(
        "SELECT DISTINCT day FROM tickets WHERE day >= ? AND finished_at IS NOT NULL",
        (min(office) if office else today.isoformat(),),
    )
    served = {r["day"] for r in rows}
    late = await store.fetchall(
        "SELECT COUNT(*) AS n FROM cases WHERE (closed_at IS NULL AND due < ?) "
        "OR (closed_at IS NOT NULL AND substr(closed_at, 1, 10) > due)",
        (today.isoformat(),),
    )
    return len(office), sum(d in served for d in office), int(late[0]["n"])


async def _devices(store: Store, now: dt.datetime, unknown: dict[str, str]) -> dict[str, bool] | None:
    if "last_seen" not in await columns(store, "devices"):
        unknown["devices"] = "系统还没有记录设备在线时间（devices 表缺少 last_seen 列）"
        return None
    rows = await store.fetchall("SELECT kind, last_seen FROM devices WHERE revoked = 0")
    seen = {"display": False, "kiosk": False}
    for r in rows:
        when = _iso(r["last_seen"])
        if when is not None and now - when <= dt.timedelta(minutes=DEVICE_MINUTES):
            seen[r["kind"]] = True
    return seen


def _backup_age(db: Path, now: dt.datetime, unknown: dict[str, str]) -> float | None:
    folder = db.parent / "backups"  # where the manager console's daily backups go
    copies = sorted(folder.glob("*.db"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    if not copies:
        unknown["backup"] = f"没有找到数据备份（{folder}）"
        return None
    newest = dt.datetime.fromtimestamp(copies[-1].stat().st_mtime, dt.UTC)
    return max(0.0, (now - newest).total_seconds() / 3600)


async def load_checks(store: Store) -> dict[str, Check]:
    if "item" not in await columns(store, "inspection_checks"):
        return {}
    rows = await store.fetchall(
        "SELECT item, done, note, photo IS NOT NULL AS has_photo, by_name, at FROM inspection_checks"
    )
    return {
        r["item"]: Check(bool(r["done"]), r["note"] or "", bool(r["has_photo"]), r["by_name"] or "", r["at"] or "")
        for r in rows
    }


async def gather(center: Center, store: Store, db: Path, now: dt.datetime) -> Facts:
    """Everything the scorer needs, as of ``now`` (aware)."""
    unknown: dict[str, str] = {}
    today = now.astimezone(center.tz).date()
    active, missing = await _work_cards(store, unknown)
    office_past, ledger_days, late = await _ledger(store, center, today)
    notices = center.notices
    return Facts(
        matters=len(center.matters),
        sample_texts=tuple(s.where for s in all_samples(center)),
        unnamed_windows=tuple(w.number for w in center.windows if w.name.strip() in ("", f"{w.number}号窗口")),
        windows=len(center.windows),
        active_clerks=active,
        clerks_missing_card=missing,
        office_days=len(center.office.days),
        rota_days_ahead=await _rota(store, today, unknown),
        notices=notices,
        hotline_set=bool(center.hotline.strip()) and not is_sample(center.hotline),
        complaint_box=any("意见箱" in n for n in notices),
        ratings_recent=await _ratings(store, now, unknown),
        office_days_past=office_past,
        ledger_days=ledger_days,
        cases_late=late,
        devices_seen=await _devices(store, now, unknown),
        backup_age_hours=_backup_age(db, now, unknown),
        checks=await load_checks(store),
        unknown=unknown,
    )
