"""A resident cancels a booking while the kiosk checks it in, both requests at once against the
real server process (under ``faketime``, Monday 30 November 2026 09:50, inside the 10:00
slot's check-in window): each booking ends in exactly one outcome, and the database agrees."""

from __future__ import annotations

import asyncio
import sqlite3

import aiohttp
import pytest

from bench.devserver import ServerProcess
from tests.appoint.test_faketime import LIB, faked

SLOT = "2026-11-30T10:00:00+08:00"
ROUNDS = 4
# The DELETE goes at once with the check-in, 20 ms before, 40 ms after, … up to 300 ms: the
# far ends each side wins for sure, near the middle they race.
LAGS, LAG_STEP = 16, 0.02
pytestmark = pytest.mark.skipif(not LIB.exists(), reason="needs the faketime Debian package (make debs-test)")


async def race(http: aiohttp.ClientSession, url: str, kiosk: str, code: str, lag: float) -> tuple[int, int, str]:
    """DELETE and check-in of ``code`` at once, the DELETE ``lag`` seconds later (earlier when
    negative; the check-in does more work before it writes: staggering the two lands the cancel
    on every step of it); (cancel status, check-in status, the loser's error code)."""

    async def cancel() -> tuple[int, dict]:
        await asyncio.sleep(max(0.0, lag))
        async with http.delete(f"{url}/api/appointments/{code}") as r:
            return r.status, await r.json()

    async def check_in() -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {kiosk}"}
        await asyncio.sleep(max(0.0, -lag))
        async with http.post(f"{url}/api/appointments/{code}/check-in", json={}, headers=headers) as r:
            return r.status, await r.json()

    (cs, cb), (ks, kb) = await asyncio.gather(cancel(), check_in())
    loser = cb if cs >= 400 else kb
    return cs, ks, loser.get("error", {}).get("code", "")


async def test_a_cancel_racing_a_check_in_ends_in_exactly_one_outcome(tmp_path):
    srv = ServerProcess(tmp_path / "queue.db", "--host", "127.0.0.1", env=faked("2026-11-30 09:50:00"))
    kiosk = srv.cli("add-device", "--kind", "kiosk", "--name", "取号机")
    srv.start()
    outcomes: dict[str, str] = {}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            async with http.get(f"{srv.url}/api/center") as r:
                categories = [c["code"] for c in (await r.json())["categories"]]
            for _ in range(ROUNDS):  # a cancel frees its place: each round books the slot full again
                codes = []
                for category in categories:
                    while True:
                        body = {"category": category, "slot": SLOT}
                        async with http.post(f"{srv.url}/api/appointments", json=body) as r:
                            if r.status == 409:
                                break  # slot_full
                            assert r.status == 201, await r.text()
                            codes.append((await r.json())["code"])
                # 0, 20 ms earlier, 40 ms later, 60 ms earlier, …: both sides of the race, however
                # few codes a round books.
                lags = [(-1) ** i * LAG_STEP * (i % LAGS) for i in range(len(codes))]
                results = await asyncio.gather(
                    *(race(http, srv.url, kiosk, c, lag) for c, lag in zip(codes, lags, strict=True))
                )
                for code, (cs, ks, loser) in zip(codes, results, strict=True):
                    assert (cs == 200) != (ks == 201), (code, cs, ks)  # one wins, the other is refused
                    assert (cs, ks) in ((200, 409), (409, 201)), (code, cs, ks)
                    assert loser in ("cancelled", "already_used"), (code, loser)
                    outcomes[code] = "cancelled" if cs == 200 else "checked_in"
    finally:
        srv.stop()
    # The first round books every category's places; each later round only what cancels freed,
    # so the total depends on who won. Both sides must have won some races.
    assert len(outcomes) >= len(categories)
    assert set(outcomes.values()) == {"cancelled", "checked_in"}, outcomes
    with sqlite3.connect(tmp_path / "queue.db") as db:
        rows = dict(db.execute("SELECT code, status FROM appointments").fetchall())
        assert {c: rows[c] for c in outcomes} == outcomes
        linked = db.execute(
            "SELECT COUNT(*) FROM appointments a JOIN tickets t ON t.id = a.ticket_id "
            "WHERE a.status = 'checked_in' AND t.appointment = 1"
        ).fetchone()[0]
        tickets = db.execute("SELECT COUNT(*) FROM tickets WHERE appointment = 1").fetchone()[0]
        orphans = db.execute(
            "SELECT COUNT(*) FROM appointments WHERE status = 'cancelled' AND ticket_id IS NOT NULL"
        ).fetchone()[0]
    checked_in = sum(o == "checked_in" for o in outcomes.values())
    assert tickets == linked == checked_in  # no ticket for a cancelled booking, none without one
    assert orphans == 0
    print(f"{len(outcomes)} races: {checked_in} checked in, {len(outcomes) - checked_in} cancelled")
