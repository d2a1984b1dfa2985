"""Suite-wide settings.

Hypothesis: no per-example deadline. Speed is measured by the benchmarks in ``bench/``,
never by timed tests, and a deadline only makes a loaded 2-core CI machine fail at random.
"""

from __future__ import annotations

from hypothesis import settings

pytest_plugins = ["tests.browser"]  # Chromium, pages and an HTTP party for the page tests

settings.register_profile("bianmin", deadline=None)
settings.load_profile("bianmin")
