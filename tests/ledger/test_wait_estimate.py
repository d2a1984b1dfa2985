"""Wait estimates: the pure model by hand, and wait_minutes on POST /api/tickets, on the
holder's live state and on the phone page, learned from the known day's services."""

from __future__ import annotations

import datetime as dt
import re

from queue_server.wait_estimate import Learned, estimate, learn

from .test_ledger import at, hall, known_day  # noqa: F401  (hall is a fixture)

WINDOWS = {1: ("A", "C"), 2: ("B",), 3: ("A",)}


def live_sentence(page: str) -> str:
    """The phone page's live-state sentence (the element the refresh script rewrites)."""
    found = re.search(r'id="state"[^>]*>([^<]*)<', page)
    assert found, page
    return found.group(1)


def test_learned_means_weigh_today_three_times_and_shares_split_each_window():
    learned = learn(
        [
            ("A", 1, 600.0, 2, False),  # recent: 300 s each
            ("A", 1, 1200.0, 2, True),  # today: 600 s each, weighed ×3
            ("C", 1, 1800.0, 3, False),
        ]
    )
    # A: (600 + 3×1200) / (2 + 3×2) = 4200 / 8 = 525 s.
    assert learned.service_s == {"A": 525.0, "C": 600.0}
    # Window 1's busy time: A 600 + 3600 = 4200, C 1800; shares 0.7 and 0.3.
    assert learned.share == {(1, "A"): 0.7, (1, "C"): 0.3}


def test_estimate_by_hand():
    learned = Learned(service_s={"A": 300.0, "B": 600.0}, share={(1, "A"): 0.5, (1, "C"): 0.5, (3, "A"): 1.0})
    # A is served by window 1 (half its time) and window 3 (all): capacity 1.5.
    # 5 ahead: (5 + 0.5) × 300 / 1.5 = 1100 s ≈ 18 min.
    assert estimate("A", 5, WINDOWS, learned) == 18
    # Window 3 paused: capacity 0.5, (5.5 × 300) / 0.5 = 3300 s = 55 min.
    assert estimate("A", 5, WINDOWS, learned, paused=[3]) == 55
    # Window 2 has no history: it serves only B, an even split gives it all: 0.5 × 600 = 5 min.
    assert estimate("B", 0, WINDOWS, learned) == 5
    assert estimate("B", 0, WINDOWS, learned, paused=[2]) is None  # nobody serves B now
    assert estimate("C", 3, WINDOWS, learned) is None  # no history for C: no guess


async def test_new_ticket_carries_the_learned_estimate(hall):  # noqa: F811
    await known_day(hall)
    # The clock is now 2026-12-02 15:00; the known day is the recent history. A was served
    # once (600 s) at window 1, which spent 600 of its 2280 busy seconds on A: the next A
    # with nobody ahead waits (0 + 1/2) × 600 / (600 / 2280) = 1140 s = 19 min.
    resp = await hall.client.post(
        "/api/tickets", json={"category": "A", "matter": "A1"}, headers={"Authorization": f"Bearer {hall.token}"}
    )
    assert resp.status == 201
    issued = await resp.json()
    assert issued["ahead"] == 0 and issued["wait_minutes"] == 19
    state = await (await hall.client.get(f"/api/tickets/{issued['token']}")).json()
    assert state["wait_minutes"] == 19
    page = await (await hall.client.get(f"/g/A1?t={issued['token']}")).text()
    assert "等候中，前面还有 0 人，预计等待约 19 分钟" in live_sentence(page)
    # Category G has no history: null, and the page says nothing of a wait.
    resp = await hall.client.post(
        "/api/tickets", json={"category": "G"}, headers={"Authorization": f"Bearer {hall.token}"}
    )
    g = await resp.json()
    assert g["wait_minutes"] is None
    assert live_sentence(await (await hall.client.get(f"/g/G?t={g['token']}")).text()) == "等候中，前面还有 0 人"
    assert at("09:00").date() == dt.date(2026, 11, 30)


def test_kiosk_screen_and_printed_ticket_show_the_estimate():
    from dataclasses import replace

    from bianmin.center import center_info, load_center
    from kiosk.cli import sample_ticket
    from kiosk.present import ticket_model
    from kiosk.printing import PAPERS, ticket_blocks
    from kiosk.printing.layout import Text

    center = load_center()
    ticket = replace(sample_ticket(center), ahead=3, wait_minutes=12)
    assert ticket_model(ticket).ahead == "前面还有 3 人\n预计等待约 12 分钟"
    texts = [b.text for b in ticket_blocks(ticket, center_info(center, True), PAPERS[80]) if isinstance(b, Text)]
    assert texts[texts.index("前面还有 3 人") + 1] == "预计等待约 12 分钟"
    none = replace(ticket, wait_minutes=None)
    assert ticket_model(none).ahead == "前面还有 3 人"
    assert not any(
        "预计等待" in b.text for b in ticket_blocks(none, center_info(center, True), PAPERS[80]) if isinstance(b, Text)
    )
