"""The county's decoder of sync batches: typed structs in one pass, each event's own bytes kept.

Ingest is the county's hot path: every event of every hall is decoded once here. Decoding a
batch into plain dicts (orjson) and serializing each event again for storage took more of
the server's CPU than anything else; msgspec decodes straight into these structs (fewer,
untracked objects, validated as they are built) and hands over each event's JSON exactly as
the hall sent it, which is what ``events.payload`` stores.

The structs mirror :class:`bianmin.protocol.Event` and the views it carries, field for
field (``tests/county/test_messages.py`` holds them equal), but are lenient where the county
does not rely on a value: a newer hall's extra fields are ignored here (and kept in the
stored payload), and statuses and outcomes are plain strings.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from bianmin.protocol import EventType, ProtocolError

MAX_SEQ = 2**53  # exact in every JSON reader, and far inside PostgreSQL's bigint
Seq = Annotated[int, msgspec.Meta(ge=1, le=MAX_SEQ)]
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_SEQ)]
EpochId = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Tally = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]  # a hall's counts, stored as integer
YEARS = (2000, 2999)  # an event's time outside these is a broken clock (and no month partition)


class Card(msgspec.Struct, gc=False):
    name: str
    post: str
    photo_url: str | None = None


class Ticket(msgspec.Struct, gc=False):
    id: int
    number: str
    category: str
    matter: str | None
    matter_name: str | None
    priority: bool
    status: str
    window: int | None
    issued_at: str
    called_at: str | None = None
    transferred_to: int | None = None
    appointment: bool = False


class Window(msgspec.Struct, gc=False):
    number: int
    name: str
    categories: list[str]
    paused: bool
    clerk: str | None
    ticket: Ticket | None
    served_today: Tally = 0
    card: Card | None = None


class Event(msgspec.Struct, gc=False):
    seq: Seq
    type: EventType
    at: str
    waiting: dict[str, Tally]
    ticket: Ticket | None = None
    window: Window | None = None
    to_window: Window | None = None
    tickets: list[Ticket] = []
    outcome: str | None = None
    day: str | None = None
    reason: str | None = None


class Batch(msgspec.Struct):
    """:class:`bianmin.sync.SyncBatch` as the county reads it."""

    epoch: EpochId
    events: list[Event]
    parent_epoch: EpochId | None = None
    fork_seq: Count | None = None
    hall_seq: Count | None = 0
    sent_at: str = ""


class _RawBatch(msgspec.Struct):
    events: list[msgspec.Raw]


_BATCH = msgspec.json.Decoder(Batch)
_RAW = msgspec.json.Decoder(_RawBatch)
_EVENT = msgspec.json.Decoder(Event)


def decode_batch(body: bytes) -> tuple[Batch, list[bytes]]:
    """``body`` as a batch and each event's JSON text; :class:`ProtocolError` naming the
    field that is wrong (``events[3].seq: …``)."""
    try:
        # msgspec checks UTF-8 only in the strings it builds: a bad byte in a field it skips
        # would reach the stored payload and fail the whole group's COPY in PostgreSQL.
        body.decode()
    except UnicodeDecodeError:
        raise ProtocolError("not valid UTF-8") from None
    if b"\\u0000" in body or b"\x00" in body:
        # PostgreSQL's text holds no NUL: one in a hall's text would fail the group's commit.
        raise ProtocolError("contains a NUL character")
    try:
        batch = _BATCH.decode(body)
    except msgspec.ValidationError as exc:
        raise ProtocolError(_where(str(exc))) from None
    except msgspec.DecodeError:
        raise ProtocolError("not valid JSON") from None
    for i, ev in enumerate(batch.events):
        # Parsed again at ingest (there a bad one would fail the whole group's commit).
        try:
            year = dt.datetime.fromisoformat(ev.at).year
        except ValueError:
            raise ProtocolError(f"events[{i}].at: not an ISO 8601 time") from None
        if not YEARS[0] <= year <= YEARS[1]:
            raise ProtocolError(f"events[{i}].at: year {year} is out of range")
    # The same bytes again, only split at the events' bounds (valid JSON: cannot fail).
    return batch, [bytes(raw) for raw in _RAW.decode(body).events]


def decode_event(text: str | bytes) -> Event:
    """One stored payload (``events.payload``), to replay it."""
    return _EVENT.decode(text)


def _where(message: str) -> str:
    """msgspec's ``Expected `int`, got `str` - at `$.events[0].seq``` as
    ``events[0].seq: Expected `int`, got `str```."""
    detail, sep, path = message.rpartition(" - at `$")
    if not sep:
        return message
    return f"{path.rstrip('`').lstrip('.')}: {detail}"
