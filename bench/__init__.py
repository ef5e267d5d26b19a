"""Benchmarks of the portal: run from the project folder as `python -m bench.NAME`.

Numbers, not pass/fail; not part of the test suite. `bench.bootstrap` sets Django up for them.
"""
