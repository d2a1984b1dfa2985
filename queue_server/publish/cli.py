"""``export-guides --out DIR [--config PATH] [--base-url URL] [--db PATH]``."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
from pathlib import Path

from bianmin.center import SAMPLE_CENTER, Center, load_center

from ..store import Store
from ..supervision.public_pages import published_results
from .export import ExportError, export_guides


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-guides", help="write the guides site, QR codes, 便民卡 and 综合手册 into a folder")
    p.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
    p.add_argument(
        "--config",
        type=Path,
        default=Path(os.environ.get("BIANMIN_CONFIG", SAMPLE_CENTER)),
        help="center configuration TOML (default: the sample center)",
    )
    p.add_argument(
        "--base-url",
        default=os.environ.get("BIANMIN_PUBLIC_URL", "http://127.0.0.1:8000"),
        help="the hall server's address that phones use; each QR code opens BASE/g/{matter}",
    )
    p.add_argument(
        "--db",
        type=Path,
        help="the hall's database: the index page then shows the month's satisfaction and complaint-reply rates",
    )
    p.set_defaults(run=_run)


def _run(ns: argparse.Namespace) -> None:
    center = load_center(ns.config)
    if not ns.base_url.startswith(("http://", "https://")):
        raise SystemExit("--base-url 必须以 http:// 或 https:// 开头")
    if ns.db is not None and not ns.db.is_file():
        raise SystemExit(f"找不到数据库 {ns.db}")
    results = asyncio.run(_results(ns.db, center)) if ns.db is not None else ""
    try:
        result = asyncio.run(export_guides(center, ns.out, ns.base_url, results=results))
    except ExportError as exc:
        raise SystemExit(str(exc)) from None
    print(
        f"已导出到 {result.out}：{result.pages} 个文件（网页和样式），{result.qr_codes} 个二维码，"
        f"{result.pdfs} 个 PDF（便民卡和综合手册）"
    )


async def _results(db: Path, center: Center) -> str:
    """The month's supervision figures as of today, read from ``db``."""
    store = await Store.open(db)
    try:
        today = dt.datetime.now(center.tz).date()
        return f"{await published_results(store, center, today)}（截至 {today.isoformat()}）"
    finally:
        await store.close()
