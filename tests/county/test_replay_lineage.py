"""A hall's live state replayed after its checkpoint, in-process on a real PostgreSQL: only
the events of its current line count. A reinstalled hall's old database has events under
the same seqs; after a stale checkpoint, with none, or with one this version cannot read, they
must not be folded in."""

from __future__ import annotations

import datetime as dt

import pytest

from county import ingest, live
from county.simhall import simulate_day

from .test_ingest_groups import batch, replayed

DAY = dt.date(2026, 12, 2)


@pytest.mark.parametrize("checkpoint", ["stale", "{}", '{"seq": 3, "waits": [1, 2]}'])
async def test_replay_after_a_reinstall_counts_only_the_new_databases_events(county_db, checkpoint):
    pool, (hall_id, _other) = county_db
    old = simulate_day(DAY, 30, seed=1)
    new = simulate_day(DAY, 12, seed=2)  # reinstalled the same day: seqs from 1 again
    writer = ingest.Ingest(pool)
    writer.start()
    try:
        await writer.submit(hall_id, *batch(old, epoch="db-old"))
        await writer.submit(hall_id, *batch(new[:20], epoch="db-new"))
    finally:
        await writer.close()
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM events WHERE hall_id = $1 AND seq <= 20", hall_id) == 40
        # The checkpoint is some seconds old (the common case: it is written every few
        # seconds), missing, or in a shape this version cannot read.
        if checkpoint == "stale":
            checkpoint = live.dumps(replayed(new[:5])).decode()
        await conn.execute("UPDATE hall_state SET live = $2::json WHERE hall_id = $1", hall_id, checkpoint)
        assert await ingest.read_live(conn, hall_id) == replayed(new[:20])

    # A writer that starts now (nothing cached) folds the rest onto the same line.
    writer = ingest.Ingest(pool)
    writer.start()
    try:
        ack = await writer.submit(hall_id, *batch(new, epoch="db-new"))
    finally:
        await writer.close()
    assert ack.acked_seq == len(new)
    expect = replayed(new)
    async with pool.acquire() as conn:
        assert await ingest.read_live(conn, hall_id) == expect
        row = await conn.fetchrow(
            "SELECT waiting, served_today, wait_p50_s FROM hall_state WHERE hall_id = $1", hall_id
        )
    figures = live.figures(expect)
    assert dict(row) == {k: figures[k] for k in ("waiting", "served_today", "wait_p50_s")}
