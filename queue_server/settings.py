"""Server settings, read once from the command line and the environment."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from bianmin.center import SAMPLE_CENTER


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to start. Build with :func:`from_args` or directly in tests."""

    db: Path = Path("var/queue.db")
    config: Path = SAMPLE_CENTER
    host: str = "127.0.0.1"
    port: int = 8000
    # Base URL printed in QR codes; phones in the hall reach the server at this address.
    public_url: str | None = None
    session_idle_minutes: int = 120
    session_max_hours: int = 12
    # Ignore office days/hours when issuing tickets (demo and tests on any day).
    always_open: bool = False
    # The county server this hall syncs its events to (queue_server/county_sync.py).
    county_url: str | None = None
    county_token: str | None = None

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``serve`` options, with defaults and help text."""
    env = os.environ.get
    parser.add_argument(
        "--db",
        type=Path,
        default=Path(env("BIANMIN_DB", "var/queue.db")),
        help="SQLite database file (default: var/queue.db)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=Path(env("BIANMIN_CONFIG", SAMPLE_CENTER)),
        help="center configuration TOML (default: the sample center)",
    )
    parser.add_argument(
        "--host",
        default=env("BIANMIN_HOST", "127.0.0.1"),
        help="address to listen on (default: 127.0.0.1; 0.0.0.0 for the hall LAN)",
    )
    parser.add_argument("--port", type=int, default=int(env("BIANMIN_PORT", "8000")), help="TCP port (default: 8000)")
    parser.add_argument(
        "--public-url",
        default=env("BIANMIN_PUBLIC_URL"),
        help="base URL that phones use, printed in QR codes (default: http://HOST:PORT)",
    )
    parser.add_argument(
        "--always-open",
        action="store_true",
        default=env("BIANMIN_ALWAYS_OPEN", "") == "1",
        help="issue tickets outside office days and hours (demo, tests)",
    )

    parser.add_argument(
        "--county-url",
        default=env("BIANMIN_COUNTY_URL"),
        help="county server to sync events to, e.g. https://county.example:8100 (default: the center file's [county])",
    )
    parser.add_argument(
        "--county-token",
        default=env("BIANMIN_COUNTY_TOKEN"),
        help="this hall's token from the county (python -m county add-hall)",
    )


def from_args(ns: argparse.Namespace) -> Settings:
    if not 0 < ns.port < 65536:
        raise SystemExit(f"端口 {ns.port} 无效：必须在 1–65535 之间")
    if bool(ns.county_url) != bool(ns.county_token):
        raise SystemExit("--county-url 和 --county-token 必须一起给出")
    return Settings(
        db=ns.db,
        config=ns.config,
        host=ns.host,
        port=ns.port,
        public_url=ns.public_url,
        always_open=ns.always_open,
        county_url=ns.county_url,
        county_token=ns.county_token,
    )
