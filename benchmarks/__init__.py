"""Benchmarks: plain scripts, run as ``python benchmarks/NAME.py``."""
