"""Benchmarks of the pure core: ``python -m benchmarks`` (``make bench``); see docs/benchmarks.rst."""
