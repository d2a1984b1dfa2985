"""Benchmarks and test probes: run from a checkout (``python -m bench.server`` ...), never shipped in the wheel.

Each benchmark prints numbers; the tests reuse :mod:`bench.devserver` (the real server as
a process), :mod:`bench.display_probe` and :mod:`bench.sinks`.
"""
