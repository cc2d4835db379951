"""`make bench` runs every benchmark in bench/, by name rather than by discovery."""

from pathlib import Path

from bench.__main__ import BENCHMARKS


def test_every_benchmark_module_is_run_by_make_bench() -> None:
    modules = {f"bench.{path.stem}" for path in Path("bench").glob("*.py") if not path.stem.startswith("_")}

    assert set(BENCHMARKS) == modules
