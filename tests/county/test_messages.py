"""The sync wire messages round-trip; the county's decoder mirrors the hall's events and
refuses bad ones naming the field; the county's live state folds events as the hall shows
them (pure functions, plain data); the shared password helpers."""

from __future__ import annotations

import dataclasses
import datetime as dt

import msgspec
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bianmin import protocol
from bianmin.passwords import RateLimiter, hash_password, verify_password
from bianmin.protocol import ProtocolError
from bianmin.sync import CountyNotice, HallFigures, HallRow, NoticeBatch, SyncAck, SyncBatch
from county import events as events_mod
from county import live
from county.simhall import simulate_day

DAY = dt.date(2026, 12, 2)


def test_sync_messages_round_trip():
    events = simulate_day(DAY, 5, seed=3)
    batch = SyncBatch(epoch="e2", events=events, parent_epoch="e1", fork_seq=7, hall_seq=30, sent_at="x")
    assert SyncBatch.from_dict(batch.to_dict()) == batch
    ack = SyncAck(epoch="e2", acked_seq=12, accepted=5)
    assert SyncAck.from_dict(ack.to_dict()) == ack
    row = HallRow(1, "城关镇", None, None, 0, 0, 0, 0, None, None, None, None, None, None, None, None, True, 0, 0)
    assert HallRow.from_dict(row.to_dict()) == row


def test_figures_and_notices_round_trip():
    figures = HallFigures(
        at="2026-12-02T10:00:00+08:00",
        overdue_cases=2,
        device_faults=["取号机 打印机故障"],
        inspection_score=86,
        month="2026-12",
        satisfaction_rate=0.95,
        rated=40,
        bad_open=1,
        complaints=3,
        complaints_overdue=0,
    )
    assert HallFigures.from_dict(figures.to_dict()) == figures
    bare = HallFigures(at="x", overdue_cases=0, device_faults=[])
    assert HallFigures.from_dict(bare.to_dict()) == bare and bare.satisfaction_rate is None
    with pytest.raises(ProtocolError, match="overdue_cases"):
        HallFigures.from_dict({**bare.to_dict(), "overdue_cases": "2"})
    for name, value in (("satisfaction_rate", 1.5), ("satisfaction_rate", "x"), ("bad_open", -1), ("month", "12")):
        with pytest.raises(ProtocolError, match=name):
            HallFigures.from_dict({**bare.to_dict(), name: value})
    batch = NoticeBatch([CountyNotice(3, "元旦放假", "1月1日放假一天", "2026-12-02T10:00:00+08:00", "2027-01-01")], 5)
    assert NoticeBatch.from_dict(batch.to_dict()) == batch


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"seq": 0}, "seq"),
        ({"seq": True}, "seq"),
        ({"type": "ticket_eaten"}, "type"),
        ({"at": 5}, "at"),
        ({"waiting": []}, "waiting"),
        ({"seq": 2**63}, "seq"),
        ({"at": "昨天"}, "at"),
        ({"at": "9999-12-31T23:00:00+08:00"}, "at"),
        ({"waiting": {"A": 2**31}}, "waiting"),
    ],
)
def test_a_malformed_event_is_refused_naming_the_field(change, where):
    good = simulate_day(DAY, 1, seed=1)[1]
    event = {**good, **change}
    with pytest.raises(ProtocolError, match=rf"^events\[1\]\.{where}(\[...\])?: "):
        events_mod.decode_batch(orjson.dumps({"epoch": "e", "events": [good, event]}))
    for body in (b'{"epoch": "e", "events": ["not an event"]}', b'{"events": []}', b"[1]"):
        with pytest.raises(ProtocolError):
            events_mod.decode_batch(body)
    with pytest.raises(ProtocolError, match="JSON"):
        events_mod.decode_batch(b'{"epoch": "e", "events": [')
    # A byte that is not UTF-8, in a field the county reads or in one it skips (which would
    # otherwise be stored and fail the commit in PostgreSQL).
    good_body = orjson.dumps({"epoch": "e", "events": [good]})
    for bad in (
        good_body.replace(b'"number":"', b'"number":"\xff', 1),
        good_body.replace(b'"seq":', b'"x\xfe":1,"seq":', 1),
    ):
        assert bad != good_body
        with pytest.raises(ProtocolError, match="UTF-8"):
            events_mod.decode_batch(bad)
    # Numbers past bigint and ids of no size would fail the group's commit, not this batch.
    for head, where in (
        ({"fork_seq": 2**63, "parent_epoch": "p"}, "fork_seq"),
        ({"hall_seq": -1}, "hall_seq"),
        ({"epoch": ""}, "epoch"),
        ({"parent_epoch": "p" * 101, "fork_seq": 1}, "parent_epoch"),
    ):
        with pytest.raises(ProtocolError, match=rf"^{where}: "):
            events_mod.decode_batch(orjson.dumps({"epoch": "e", "events": [good], **head}))
    # A NUL character (PostgreSQL's text cannot hold one), escaped or raw.
    for bad in (
        good_body.replace(b'"number":"', b'"number":"\\u0000', 1),
        good_body.replace(b'"epoch":"e"', b'"epoch":"e\\u0000"', 1),
        good_body.replace(b'"number":"', b'"number":"\x00', 1),
    ):
        assert bad != good_body
        with pytest.raises(ProtocolError, match="NUL"):
            events_mod.decode_batch(bad)


def _default(f, missing):
    if f.default is not missing:
        return f.default
    return f.default_factory() if f.default_factory is not missing else "required"


@pytest.mark.parametrize(
    ("struct", "view"),
    [
        (events_mod.Event, protocol.Event),
        (events_mod.Ticket, protocol.TicketView),
        (events_mod.Window, protocol.WindowView),
        (events_mod.Card, protocol.WorkCard),
    ],
)
def test_the_county_decoder_mirrors_the_halls_messages(struct, view):
    """Field for field, in order, with the same defaults: a field added to the hall's
    message must be added to the county's struct too, or the county's view drops it."""
    ours = [(f.name, _default(f, msgspec.NODEFAULT)) for f in msgspec.structs.fields(struct)]
    theirs = [(f.name, _default(f, dataclasses.MISSING)) for f in dataclasses.fields(view)]
    assert [n for n, _ in ours] == [n for n, _ in theirs]
    assert dict(ours) == {n: d for n, d in theirs}


def test_decoded_events_keep_the_halls_bytes_and_every_field():
    day = simulate_day(DAY, 30, seed=2)
    body = orjson.dumps({"epoch": "e", "events": day, "hall_seq": 9, "brand_new_field": 1})
    batch, payloads = events_mod.decode_batch(body)
    assert [orjson.loads(p) for p in payloads] == day  # stored as sent
    assert [msgspec.to_builtins(e) for e in batch.events] == day  # nothing the hall sent is dropped
    assert (batch.epoch, batch.hall_seq, batch.parent_epoch) == ("e", 9, None)
    newer = {**day[1], "ticket": {**day[1]["ticket"], "colour": "red"}, "mood": "good"}
    batch, payloads = events_mod.decode_batch(orjson.dumps({"epoch": "e", "events": [newer]}))
    assert orjson.loads(payloads[0]) == newer and batch.events[0].ticket.number == newer["ticket"]["number"]


def test_live_state_follows_a_day():
    events = simulate_day(DAY, 40, seed=5, until=dt.time(9, 30))
    state = live.empty()
    for ev in events:
        live.apply(state, events_mod.decode_event(orjson.dumps(ev)))
    last = events[-1]
    figs = live.figures(state)
    assert state.seq == last["seq"] and figs["day"] == DAY.isoformat()
    assert figs["waiting"] == sum(last["waiting"].values())
    issued = sum(1 for e in events if e["type"] == "ticket_issued")
    called = sum(1 for e in events if e["type"] == "ticket_called")
    finished = sum(1 for e in events if e["type"] == "service_finished")
    assert figs["served_today"] == finished
    assert len(state.queue) == issued - called == figs["waiting"]
    assert sum(state.waits) == called  # each first call recorded once
    assert figs["wait_p50_s"] is not None and figs["wait_p50_s"] <= figs["wait_p90_s"]
    snap = live.snapshot(state)
    assert [t["status"] for t in snap["queue"]] == ["waiting"] * len(snap["queue"])
    assert len(snap["recent_calls"]) == min(10, called)
    assert live.loads(live.dumps(state)) == state  # the checkpoint round-trips
    assert live.loads(b"{}") == live.empty() and live.loads('{"waits": [1]}') == live.empty()


@given(
    st.lists(st.integers(0, 5), min_size=len(live.WAIT_EDGES) + 1, max_size=len(live.WAIT_EDGES) + 1),
    st.floats(0, 1),
)
def test_percentile_is_the_first_bucket_that_reaches_the_rank(hist, q):
    got = live.percentile(hist, q)
    if not sum(hist):
        assert got is None
        return
    first = next(i for i in range(len(hist)) if sum(hist[: i + 1]) >= q * sum(hist))
    assert got == live.WAIT_EDGES[min(first, len(live.WAIT_EDGES) - 1)]


def test_percentile_of_a_histogram():
    hist = [0] * (len(live.WAIT_EDGES) + 1)
    assert live.percentile(hist, 0.5) is None
    hist[0], hist[5] = 9, 1  # nine waits under 10 s, one under 60 s
    assert live.percentile(hist, 0.5) == 10 and live.percentile(hist, 0.95) == 60


def test_passwords_and_rate_limit():
    stored = hash_password("pass-12345")
    assert verify_password("pass-12345", stored) and not verify_password("wrong", stored)
    assert not verify_password("x", "garbage")
    limiter = RateLimiter(limit=2, window=10, max_keys=3)
    limiter.take("a", 0)
    assert limiter.retry_after("a", 1) == 0
    limiter.take("a", 1)
    assert limiter.retry_after("a", 2) == pytest.approx(8)
    assert limiter.retry_after("a", 11) == 0
    for key in "bcde":
        limiter.take(key, 20)
    assert len(limiter) <= 3  # bounded however many names are tried
