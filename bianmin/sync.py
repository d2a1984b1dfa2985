"""Wire messages between a hall and the county server (``POST /api/sync``, ``GET /api/halls``).

A hall pushes its committed events in order, in batches (gzip JSON), with its token; the
county answers with how far it holds the hall's event log.

Events travel as the hall stored them (each is an :class:`bianmin.protocol.Event` as a
dict, exactly ``Event.to_dict()``): the county stores them unchanged and reads only the
fields it needs, because decoding every nested message would cost far more than the whole
ingest (:func:`check_event` validates what the county reads).

Database identity: every hall database has an ``epoch`` (a random id). A database restored
from a backup gets a new epoch whose ``parent_epoch`` is the old one, forked at
``fork_seq`` (the restored copy's last seq): the county keeps the parent's later events
but no longer counts them.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

from .protocol import EventType, Message, ProtocolError

SYNC_PATH = "/api/sync"
MAX_BATCH_EVENTS = 2000
EVENT_TYPES: tuple[str, ...] = typing.get_args(EventType)


@dataclass(frozen=True)
class SyncBatch(Message):
    """Body of ``POST /api/sync``: events with consecutive seqs, oldest first.

    An empty ``events`` list is a heartbeat (the hall is alive and has nothing new)."""

    epoch: str
    events: list[dict[str, Any]]
    parent_epoch: str | None = None
    fork_seq: int | None = None
    # The hall's newest committed seq: the county shows how far behind it is.
    hall_seq: int = 0
    sent_at: str = ""

    @classmethod
    def from_dict(cls, data: Any) -> SyncBatch:
        """Like every message, but each event is checked by :func:`check_event` only (fast)."""
        if not isinstance(data, dict):
            raise ProtocolError("SyncBatch: expected an object")
        events = data.get("events")
        if not isinstance(events, list):
            raise ProtocolError("SyncBatch.events: expected a list")
        # Written out rather than the generic decoder: this runs for every request of every hall.
        epoch, parent, fork = data.get("epoch"), data.get("parent_epoch"), data.get("fork_seq")
        hall_seq, sent_at = data.get("hall_seq", 0), data.get("sent_at", "")
        if not isinstance(epoch, str):
            raise ProtocolError("SyncBatch.epoch: expected a string")
        if parent is not None and not isinstance(parent, str):
            raise ProtocolError("SyncBatch.parent_epoch: expected a string")
        for name, value in (("fork_seq", fork), ("hall_seq", hall_seq)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise ProtocolError(f"SyncBatch.{name}: expected an integer")
        if not isinstance(sent_at, str):
            raise ProtocolError("SyncBatch.sent_at: expected a string")
        checked = [check_event(e, f"SyncBatch.events[{i}]") for i, e in enumerate(events)]
        return cls(epoch, checked, parent, fork, hall_seq or 0, sent_at)


@dataclass(frozen=True)
class SyncAck(Message):
    """The county's answer: it holds every event of this epoch's line up to ``acked_seq``.

    The hall resumes after ``acked_seq``; events it sent beyond a gap are not stored."""

    epoch: str
    acked_seq: int
    accepted: int = 0


@dataclass(frozen=True)
class HallRow(Message):
    """One row of ``GET /api/halls``: a hall's live figures, kept current at ingest.

    The figures of features not built yet (ratings, ledger, self-inspection, device
    reports) are ``None`` until those features send them."""

    id: int
    name: str
    last_seen: str | None
    lag_s: int | None
    waiting: int
    windows_open: int
    windows_paused: int
    served_today: int
    wait_p50_s: int | None
    wait_p90_s: int | None
    satisfaction: float | None
    bad_reviews: int | None
    overdue: int | None
    complaints: int | None
    inspection_score: float | None
    device_faults: int | None
    silent: bool
    seq: int
    pending: int
    day: str | None = None


def check_event(data: Any, where: str = "event") -> dict[str, Any]:
    """The fields of an event dict that the county relies on, checked; returns ``data``."""
    if not isinstance(data, dict):
        raise ProtocolError(f"{where}: expected an object")
    seq = data.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ProtocolError(f"{where}.seq: expected a positive integer")
    if data.get("type") not in EVENT_TYPES:
        raise ProtocolError(f"{where}.type: unexpected value {data.get('type')!r}")
    if not isinstance(data.get("at"), str):
        raise ProtocolError(f"{where}.at: expected a string")
    if not isinstance(data.get("waiting"), dict):
        raise ProtocolError(f"{where}.waiting: expected an object")
    return data
