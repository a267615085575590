"""Benchmarks run by ``emgmap bench NAME`` (see emgmap/commands/bench.py)."""
