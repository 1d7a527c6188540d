"""Benchmarks and load tests (``make bench``); never part of the test run."""
