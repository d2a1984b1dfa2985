"""查看办事指南 in the real kiosk window: tap the button, tap a matter, the guide prints."""

from __future__ import annotations

import sqlite3

import pytest
from test_kiosk_gui import printed, run

from kiosk.guides import PRINTED

pytestmark = pytest.mark.gui


def test_guides_screen_prints_a_guide_without_a_ticket(tmp_path):
    results = run("guides", tmp_path)
    assert results["guide_prints"] == [["C1", "done"]]
    assert results["guide_status"] == PRINTED
    step = next(s for s in results["steps"] if s["step"] == "guides")
    # Rows below the fold lie outside the window (the list scrolls): only overlaps and
    # text wider than its label are faults here.
    assert [b for b in step["overflow"] if " / " in b or "wider than" in b] == []
    jobs = printed(results)
    assert len(jobs) == 1 and jobs[0].rasters and jobs[0].cuts == 1
    with sqlite3.connect(tmp_path / "guides" / "queue.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 0
