"""Benchmarks (not tests): each module has a main() that prints its figures; `python -m bench` runs them all."""
