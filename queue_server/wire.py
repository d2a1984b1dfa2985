"""JSON for the wire and the event log, encoded once, in one place.

orjson is some twenty times faster than :func:`json.dumps` here, and every ticket pays for
an event, its answer and (when a public client listens) the event's public copy. Its output
is the compact form ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` writes,
as UTF-8 bytes. A value orjson refuses (an integer past 64 bits) falls back to :mod:`json`,
so no body that encoded before fails now.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def json_bytes(obj: Any) -> bytes:
    """``obj`` (plain dicts, lists, strings, numbers) as compact UTF-8 JSON."""
    try:
        return orjson.dumps(obj, option=_OPTIONS)
    except TypeError:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
