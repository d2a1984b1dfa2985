"""The store against a real SQLite file."""

import sqlite3

import pytest

from queue_server.errors import Unavailable
from queue_server.schema import MIGRATIONS
from queue_server.store import Store


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


async def test_refuses_a_newer_schema(tmp_path):
    with sqlite3.connect(tmp_path / "q.db") as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(RuntimeError, match="newer"):
        await Store.open(tmp_path / "q.db")
