"""Benchmarks (``python -m bench [name ...]``); measurements, not timed tests."""
