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
    faults: list[str] | None = None  # the device faults, one line each (HallFigures.device_faults)


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


FIGURES_PATH = "/api/figures"
NOTICES_PATH = "/api/hall/notices"
NOTICE_TITLE_MAX = 60
NOTICE_TEXT_MAX = 500


@dataclass(frozen=True)
class HallFigures(Message):
    """Body of ``POST /api/figures``: the hall's slow figures for the county board.

    Sent by the hall's sync task about once a minute and when they change, never on the
    ticket path. ``None`` means the hall cannot tell (the feature is not connected there):
    the board shows 未接入. ``device_faults`` names each fault (取号机 打印机故障 …)."""

    at: str
    overdue_cases: int
    device_faults: list[str]
    inspection_score: int | None = None
    month: str | None = None  # the month of the supervision figures (YYYY-MM)
    satisfaction_rate: float | None = None  # 0–1
    rated: int | None = None
    bad_open: int | None = None  # 差评 not yet dealt with
    complaints: int | None = None
    complaints_overdue: int | None = None

    @classmethod
    def from_dict(cls, data: Any) -> HallFigures:
        """Like every message, and the numbers are in range (counts ≥ 0, the rate 0–1)."""
        figures = super().from_dict(data)
        rate = figures.satisfaction_rate
        if rate is not None and (not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 <= rate <= 1):
            raise ProtocolError("HallFigures.satisfaction_rate: expected a number from 0 to 1")
        for name in ("overdue_cases", "rated", "bad_open", "complaints", "complaints_overdue", "inspection_score"):
            value = getattr(figures, name)
            if value is not None and value < 0:
                raise ProtocolError(f"HallFigures.{name}: expected a count of at least 0")
        if len(figures.device_faults) > 50 or any(len(f) > 100 for f in figures.device_faults):
            raise ProtocolError("HallFigures.device_faults: at most 50 lines of 100 characters")
        if figures.month is not None and len(figures.month) != 7:
            raise ProtocolError("HallFigures.month: expected YYYY-MM")
        return figures


@dataclass(frozen=True)
class CountyNotice(Message):
    """A notice from the county center (政策调整、节假日安排) to chosen halls or all of them.

    ``expires`` (YYYY-MM-DD): shown up to and including that day; ``None``: until withdrawn."""

    id: int
    title: str
    text: str
    created_at: str
    expires: str | None = None


@dataclass(frozen=True)
class NoticeBatch(Message):
    """Answer to ``GET /api/hall/notices?after=N``: the hall's notices with id > N, and the
    cursor to ask after next time (``upto``; it moves past notices meant for other halls)."""

    notices: list[CountyNotice]
    upto: int
