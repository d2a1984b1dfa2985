"""``inspect [--db DB] [--config PATH] [--json]``: print the self-inspection score; exit 0."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path

from bianmin.center import SAMPLE_CENTER, load_center

from ..service import utc_now
from ..store import Store
from .facts import gather
from .score import Report, WeightsError, load_weights, score


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("inspect", help="score the center against the plan (自查) and print each item")
    p.add_argument("--db", type=Path, default=Path(os.environ.get("BIANMIN_DB", "var/queue.db")))
    p.add_argument(
        "--config",
        type=Path,
        default=Path(os.environ.get("BIANMIN_CONFIG", SAMPLE_CENTER)),
        help="center configuration TOML (default: the sample center)",
    )
    p.add_argument("--json", action="store_true", help="print the /api/inspection JSON instead of text")
    p.set_defaults(run=_run)


async def _report(ns: argparse.Namespace) -> Report:
    center = load_center(ns.config)
    store = await Store.open(ns.db)
    try:
        facts = await gather(center, store, ns.db, utc_now())
    finally:
        await store.close()
    return score(facts, load_weights())


def _run(ns: argparse.Namespace) -> None:
    try:
        report = asyncio.run(_report(ns))
    except WeightsError as exc:
        raise SystemExit(f"评分权重文件有误：{exc}") from None
    if ns.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    print(f"自查得分：{report.score} 分（{report.band}）")
    for r in report.items:
        print(f"  {r.points:>3}/{r.max:<3} {r.title}")
        if r.points < r.max:
            print(f"          {r.why}")
