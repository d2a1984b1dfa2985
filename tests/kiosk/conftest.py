"""The kiosk tests reuse the printing engineer's ESC/POS decoder (tests/printing/escpos_stream.py)."""

from __future__ import annotations

import sys
from pathlib import Path

PRINTING_TESTS = str(Path(__file__).resolve().parents[1] / "printing")
if PRINTING_TESTS not in sys.path:
    sys.path.insert(0, PRINTING_TESTS)
