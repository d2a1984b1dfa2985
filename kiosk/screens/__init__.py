"""The kiosk's Kivy screens: one .kv file each, plus shared widgets (widgets.kv)."""

from __future__ import annotations

from pathlib import Path

KV_DIR = Path(__file__).resolve().parent
KV_FILES = tuple(
    KV_DIR / name
    for name in ("widgets.kv", "home.kv", "matters.kv", "ticket.kv", "message.kv", "guides.kv", "checkin.kv")
)
