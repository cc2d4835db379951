"""Run every benchmark in turn (`make bench`), each in its own process.

Each benchmark sets its own database and settings before Django starts, so they
cannot share one interpreter: the first one's settings would win for all.
"""

from __future__ import annotations

import subprocess
import sys

# Named here, not discovered: a new benchmark is added to this list on purpose.
BENCHMARKS = (
    "bench.admin_save",
    "bench.api_ingest",
    "bench.billing_cost_engine",
    "bench.bulk_clocks",
    "bench.monthly_job",
)


def main() -> int:
    """Run each benchmark module as `python -m`; return the first failure's exit code, else 0."""
    failed = 0
    for name in BENCHMARKS:
        print(f"== {name}", flush=True)
        code = subprocess.call([sys.executable, "-m", name])
        failed = failed or code
    return failed


if __name__ == "__main__":
    sys.exit(main())
