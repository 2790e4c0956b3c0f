"""Benchmarks (`make bench`): not tests. Each prints `name=value` lines, then one table."""
