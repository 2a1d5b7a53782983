"""Benchmarks, run with ``make bench`` (or ``python -m bench.<module>``); results in results/."""
