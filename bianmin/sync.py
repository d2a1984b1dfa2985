"""Wire messages between a hall and the county server (``POST /api/sync``, ``GET /api/halls``).

A hall pushes its committed events in order, in batches (gzip JSON), with its token; the
county answers with how far it holds the hall's event log.

Events travel as the hall stored them (each is an :class:`bianmin.protocol.Event` as a
dict, exactly ``Event.to_dict()``): the county stores each one's JSON unchanged, and
decodes and checks the batch with its own fast decoder (:mod:`county.events`).

Database identity: every hall database has an ``epoch`` (a random id). A database restored
from a backup gets a new epoch whose ``parent_epoch`` is the old one, forked at
``fork_seq`` (the restored copy's last seq): the county keeps the parent's later events
but no longer counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .protocol import Message, ProtocolError

SYNC_PATH = "/api/sync"
MAX_BATCH_EVENTS = 2000


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
