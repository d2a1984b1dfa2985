"""The hall's slow figures for the county board (:class:`bianmin.sync.HallFigures`).

Built from what the hall already holds: overdue promised cases (an open case past its
working-day due date, :func:`rules.case_bucket`), device faults from the devices' last
health reports, and the self-inspection score (cached: it reads several tables and the
disk). Satisfaction, open 差评 and overdue complaints come from the supervision feature
through an optional ``supervision`` provider; without it they stay ``None`` (未接入).

The sync task (:mod:`.county_sync`) sends these about once a minute and on change; nothing
here runs on the ticket path.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bianmin.protocol import SupervisionResults
from bianmin.sync import HallFigures

from . import queue_db, rules
from .inspection.facts import gather
from .inspection.score import load_weights, score
from .service import QueueService
from .store import Store

log = logging.getLogger("queue_server.county_figures")
INSPECTION_CACHE_S = 600.0
KIND_NAMES = {"kiosk": "取号机", "display": "显示屏", "pad": "评价器"}
FAULTS = (("printer", ("fault",), "打印机故障"), ("audio", ("fault",), "音响故障"), ("paper", ("out",), "缺纸"))


Supervision = Callable[[Store, dt.date], Awaitable[SupervisionResults]]


async def overdue_cases(service: QueueService) -> int:
    """Open promised and agency cases past their due date (a working day) as of today."""
    today = service.day
    rows = await queue_db.open_cases(service.store)
    return sum(1 for r in rows if rules.case_bucket(dt.date.fromisoformat(r["due"]), today) == "overdue")


async def device_faults(store: Store) -> list[str]:
    """One line per fault a device reported last (printer, audio, paper), by device name."""
    rows = await store.fetchall(
        "SELECT kind, name, last_health FROM devices WHERE revoked = 0 AND last_health IS NOT NULL ORDER BY kind, name"
    )
    out = []
    for r in rows:
        try:
            health: Any = json.loads(r["last_health"])
        except ValueError:
            continue
        if not isinstance(health, dict):
            continue
        for part, states, label in FAULTS:
            if health.get(part) in states:
                out.append(f"{KIND_NAMES.get(r['kind'], r['kind'])}“{r['name']}”{label}")
    return out


class FiguresBuilder:
    """Builds :class:`HallFigures`; the inspection score is recomputed every 10 minutes."""

    def __init__(self, service: QueueService, db: Path, supervision: Supervision | None = None):
        self.service = service
        self.db = db
        self.supervision = supervision
        self._score: tuple[float, int | None] | None = None

    async def inspection_score(self) -> int | None:
        now = time.monotonic()
        if self._score is None or now - self._score[0] >= INSPECTION_CACHE_S:
            svc = self.service
            try:
                facts = await gather(svc.center, svc.store, self.db, svc.clock())
                value: int | None = score(facts, load_weights()).score
            except Exception:  # a broken weights file must not keep the other figures from the county
                log.exception("self-inspection score for the county")
                value = None
            self._score = (now, value)
        return self._score[1]

    async def build(self) -> HallFigures:
        svc = self.service
        sup = await self.supervision(svc.store, svc.day) if self.supervision is not None else None
        now = svc.clock().astimezone(svc.center.tz)
        return HallFigures(
            at=now.isoformat(timespec="seconds"),
            overdue_cases=await overdue_cases(svc),
            device_faults=await device_faults(svc.store),
            inspection_score=await self.inspection_score(),
            month=sup.month if sup else None,
            satisfaction_rate=sup.satisfaction_rate if sup else None,
            rated=sup.rated if sup else None,
            bad_open=sup.bad_open if sup else None,
            complaints=sup.complaints if sup else None,
            complaints_overdue=sup.complaints_overdue if sup else None,
        )
