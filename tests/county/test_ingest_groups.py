"""Group commits in flight together, in-process on a real PostgreSQL: a hall in two groups
is applied in order and exactly once, a failed commit leaves no half-applied state, and
closing answers every request, in flight or still arriving."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import orjson
import pytest

from bianmin.errors import Unavailable
from county import ingest, live
from county.events import Batch, decode_batch, decode_event
from county.simhall import simulate_day

DAY = dt.date(2026, 12, 2)


def batch(events: list[dict], epoch: str = "db-1") -> tuple[Batch, list[bytes]]:
    """A batch as the sync handler hands it over: decoded, with each event's JSON."""
    return decode_batch(
        orjson.dumps({"epoch": epoch, "events": events, "hall_seq": events[-1]["seq"] if events else 0})
    )


def replayed(events: list[dict]) -> live.Live:
    """A hall's live state folded from ``events`` afresh."""
    state = live.empty()
    for ev in events:
        live.apply(state, decode_event(orjson.dumps(ev)))
    return state


async def stored(pool, hall_id: int) -> tuple[list[int], dict[str, Any], live.Live]:
    async with pool.acquire() as conn:
        seqs = [r[0] for r in await conn.fetch("SELECT seq FROM events WHERE hall_id = $1 ORDER BY seq", hall_id)]
        row = await conn.fetchrow("SELECT * FROM hall_state WHERE hall_id = $1", hall_id)
    figures = {k: row[k] for k in ("day", "waiting", "windows_open", "served_today", "wait_p50_s", "wait_p90_s")}
    return seqs, figures, live.loads(row["live"])


async def test_two_groups_in_flight_keep_a_halls_order(county_db, monkeypatch):
    pool, (first, second) = county_db
    monkeypatch.setattr(ingest, "GROUP_EVENTS", 1)  # every batch its own group
    busy = 0
    most = 0
    writer = ingest.Ingest(pool)
    commit = writer._commit

    async def counted(group, locked):
        nonlocal busy, most
        busy += 1
        most = max(most, busy)
        try:
            return await commit(group, locked)
        finally:
            busy -= 1

    monkeypatch.setattr(writer, "_commit", counted)
    writer.start()
    events = simulate_day(DAY, 40)
    other = simulate_day(DAY, 40, seed=1)
    try:
        # Hall one's batches go one after the other into groups that commit at the same time
        # (as a hall's resend after a timeout does); hall two's alongside.
        futures = [
            writer.submit(first, *batch(events[:60])),
            writer.submit(first, *batch(events[60:120])),
            writer.submit(second, *batch(other)),
            writer.submit(first, *batch(events[:130])),  # a resend overlapping both
            writer.submit(first, *batch(events[130:])),
        ]
        acks = await asyncio.wait_for(asyncio.gather(*futures), 30)
    finally:
        await writer.close()
    assert most >= 2, "the groups committed one at a time"
    assert [a.acked_seq for a in acks] == [60, 120, len(other), 130, len(events)]
    assert [a.accepted for a in acks] == [60, 60, len(other), 10, len(events) - 130]
    for hall_id, evs in ((first, events), (second, other)):
        seqs, figures, _ = await stored(pool, hall_id)
        assert seqs == list(range(1, len(evs) + 1))  # every event, exactly once
        expect = live.figures(replayed(evs))
        assert figures == {k: expect[k] for k in figures}


@pytest.mark.parametrize("when", ["before_save", "after_save"])
async def test_a_failed_commit_leaves_no_half_applied_live_state(county_db, monkeypatch, when):
    """Failing before ``_save`` leaves the taken state out of the cache; failing after it
    (as at COMMIT) leaves it cached under a seq the row never reached, so it is not used."""
    pool, (hall_id, _) = county_db
    monkeypatch.setattr(ingest, "LIVE_CHECKPOINT_S", 0.0)  # every commit writes the whole live state
    writer = ingest.Ingest(pool)
    writer.start()
    events = simulate_day(DAY, 40)
    save = writer._save
    fail = True

    async def failing_once(conn, halls):
        nonlocal fail
        if fail and when == "after_save":
            await save(conn, halls)
        if fail:
            fail = False
            raise ConnectionResetError("the database went away mid-commit")
        await save(conn, halls)

    try:
        await writer.submit(hall_id, *batch(events[:50]))  # its live state is now cached
        monkeypatch.setattr(writer, "_save", failing_once)
        with pytest.raises(Unavailable) as refused:
            await writer.submit(hall_id, *batch(events[50:100]))  # applied to the cached state, then lost
        assert getattr(refused.value, "code", None) == "database_error"
        resent = await writer.submit(hall_id, *batch(events[50:]))  # the hall resends from its ack
    finally:
        await writer.close()
    assert resent.acked_seq == len(events) and resent.accepted == len(events) - 50
    seqs, figures, state = await stored(pool, hall_id)
    assert seqs == list(range(1, len(events) + 1))
    expect = replayed(events)
    # Events 51-100 folded in once, not also into the state the failed commit left behind
    # (its calls would show twice among the recent ones).
    assert state == expect
    assert figures == {k: live.figures(expect)[k] for k in figures}


async def test_a_heartbeat_keeps_the_figures_without_computing_them(county_db, monkeypatch):
    """A hall's empty batch on a cached live state leaves its figures as they were, without
    computing them (most of a quiet hall's requests); a writer with nothing cached (a
    restart) rebuilds the state and writes its figures again."""
    pool, (hall_id, _) = county_db
    events = simulate_day(DAY, 40)
    computed = 0
    figures = live.figures

    def counted(state: live.Live) -> dict[str, Any]:
        nonlocal computed
        computed += 1
        return figures(state)

    monkeypatch.setattr(live, "figures", counted)
    expect = figures(replayed(events))
    writer = ingest.Ingest(pool)
    writer.start()
    try:
        await writer.submit(hall_id, *batch(events))
        assert computed == 1
        await writer.submit(hall_id, *batch([]))
        assert computed == 1, "a heartbeat computed the figures again"
    finally:
        await writer.close()
    _, kept, _ = await stored(pool, hall_id)
    assert kept == {k: expect[k] for k in kept} and kept["served_today"] > 0
    async with pool.acquire() as conn:
        await conn.execute("UPDATE hall_state SET waiting = 999, served_today = 0 WHERE hall_id = $1", hall_id)
    writer = ingest.Ingest(pool)
    writer.start()
    try:
        await writer.submit(hall_id, *batch([]))
    finally:
        await writer.close()
    _, rebuilt, _ = await stored(pool, hall_id)
    assert computed == 2 and rebuilt == kept


async def test_closing_answers_the_requests_of_commits_in_flight(county_db, monkeypatch):
    pool, (hall_id, _) = county_db
    writer = ingest.Ingest(pool)
    started = asyncio.Event()

    async def stuck(group, locked):
        started.set()
        await asyncio.Event().wait()  # a commit that never returns (a hung database)

    monkeypatch.setattr(writer, "_commit", stuck)
    writer.start()
    pending = writer.submit(hall_id, *batch(simulate_day(DAY, 5)))
    await asyncio.wait_for(started.wait(), 5)
    await writer.close()
    with pytest.raises(Unavailable) as refused:
        await asyncio.wait_for(pending, 5)  # answered, not left hanging
    assert getattr(refused.value, "code", None) == "shutting_down"


async def test_a_batch_submitted_after_close_is_refused(county_db):
    pool, (hall_id, _) = county_db
    writer = ingest.Ingest(pool)
    writer.start()
    await writer.close()  # as at shutdown, with a request still reading its body
    with pytest.raises(Unavailable) as refused:
        writer.submit(hall_id, *batch(simulate_day(DAY, 5)))
    assert refused.value.code == "shutting_down"
