"""The store against a real SQLite file."""

import sqlite3

import pytest

from queue_server.errors import Conflict, Unavailable
from queue_server.schema import MIGRATIONS
from queue_server.store import WAL_MAX_BYTES, Store


async def test_schema_versioned_wal_and_unique_numbering(tmp_path):
    store = await Store.open(tmp_path / "q.db")
    row = await store.fetchone("PRAGMA user_version")
    assert row[0] == len(MIGRATIONS)
    assert (await store.fetchone("PRAGMA journal_mode"))[0] == "wal"
    insert = (
        "INSERT INTO tickets (day, category, seq, number, status, token, issued_at, queue_key)"
        " VALUES ('2026-11-27', 'A', 1, 'A001', 'waiting', ?, 'now', 1)"
    )
    await store.write(lambda db: db.execute(insert, ("t1",)))
    with pytest.raises(Unavailable):
        await store.write(lambda db: db.execute(insert, ("t2",)))
    # the failed group rolled back and the writer is usable again
    await store.write(lambda db: db.execute(insert.replace("1, 'A001'", "2, 'A002'"), ("t3",)))
    rows = await store.fetchall("SELECT number FROM tickets ORDER BY seq")
    assert [r[0] for r in rows] == ["A001", "A002"]
    await store.close()
    # reopening does not migrate twice
    store = await Store.open(tmp_path / "q.db")
    assert (await store.fetchone("SELECT COUNT(*) FROM tickets"))[0] == 2
    await store.close()


async def test_transitions_of_a_ticket_are_found_through_one_index(tmp_path):
    """Migration 17 drops ``transitions_ticket``: a ticket's transitions (its history, its
    last service start) are still found by ``transitions_ticket_status``, not a scan."""
    store = await Store.open(tmp_path / "q.db")
    try:
        rows = await store.fetchall("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'transitions'")
        assert sorted(r[0] for r in rows) == ["transitions_at", "transitions_ticket_status"]
        for sql in (
            "SELECT window, at, detail FROM transitions WHERE ticket_id = 7 ORDER BY id",
            "SELECT MAX(at) FROM transitions WHERE ticket_id = 7 AND to_status = 'serving'",
        ):
            plan = " ".join(r[3] for r in await store.fetchall("EXPLAIN QUERY PLAN " + sql))
            assert "transitions_ticket_status (ticket_id=" in plan, (sql, plan)
    finally:
        await store.close()


async def test_refuses_a_newer_schema(tmp_path):
    with sqlite3.connect(tmp_path / "q.db") as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(RuntimeError, match="newer"):
        await Store.open(tmp_path / "q.db")


async def test_a_refusal_rolls_back_only_its_own_change_in_a_group(tmp_path):
    store = await Store.open(tmp_path / "q.db")
    await store.write(lambda db: db.execute("CREATE TABLE t (x INTEGER)"))
    failures = []
    store.on_failure.append(lambda: failures.append(1))

    def refuse(db):
        db.execute("INSERT INTO t VALUES (2)")
        raise Conflict("不行", code="refused")

    # queued together: one group commit, each change in its own savepoint
    first = store.write(lambda db: db.execute("INSERT INTO t VALUES (1)"))
    refused = store.write(refuse)
    last = store.write(lambda db: db.execute("INSERT INTO t VALUES (3)"))
    await first
    with pytest.raises(Conflict):
        await refused
    await last
    assert [r[0] for r in await store.fetchall("SELECT x FROM t ORDER BY x")] == [1, 3]
    assert failures == []  # a refusal is not a failed commit
    await store.close()


async def test_a_failed_change_fails_alone_and_tells_the_listeners(tmp_path):
    store = await Store.open(tmp_path / "q.db")
    await store.write(lambda db: db.execute("CREATE TABLE t (x INTEGER UNIQUE)"))
    failures = []
    store.on_failure.append(lambda: failures.append(1))
    ok = store.write(lambda db: db.execute("INSERT INTO t VALUES (1)"))
    bad = store.write(lambda db: db.execute("INSERT INTO t VALUES (1)"))
    await ok
    with pytest.raises(Unavailable):
        await bad
    assert failures == [1]
    assert (await store.fetchall("SELECT COUNT(*) FROM t"))[0][0] == 1  # only the bad change rolled back
    await store.write(lambda db: db.execute("INSERT INTO t VALUES (2)"))  # and the writer goes on
    await store.close()


async def test_commits_do_not_checkpoint_and_the_wal_stays_bounded(tmp_path):
    store = await Store.open(tmp_path / "q.db")
    await store.write(lambda db: db.execute("CREATE TABLE t (x BLOB)"))
    for _ in range(3 * WAL_MAX_BYTES // 20_000):  # 3 × WAL_MAX_BYTES if nothing ever checkpointed
        await store.write(lambda db: db.execute("INSERT INTO t VALUES (randomblob(16000))"))
    wal = (tmp_path / "q.db-wal").stat().st_size
    assert wal < 1.2 * WAL_MAX_BYTES, wal
    autocheckpoint = await store.write(lambda db: db.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    assert autocheckpoint == 0
    await store.close()
