"""Fail unless every line of the pure modules ran: the maths the reports stand on is tested whole.

Reads the coverage data that `make test` leaves in .coverage (pytest --cov) and
reports only the pure modules: no database, no Django models, plain values in
and out. Each group must still match a file on disk, so a module that moves is
noticed here rather than silently dropped from the check.

    .venv/bin/python tests/coverage_pure.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import coverage

ROOT = Path(__file__).resolve().parent.parent
# What each pure concept's files are, relative to the repository root.
PURE = {
    "months": ["kernel/months.py"],
    "money": ["kernel/money.py"],
    "calendar": ["sla/calendar/*.py"],
    "maths": ["reports/maths.py"],
    "parsers": ["imports/parsers/*.py"],
    "scenarios": ["scenarios/projection.py"],
}


def pure_files() -> list[str]:
    """Return the pure modules' paths, failing on a group that matches no file."""
    files, missing = [], []
    for group, patterns in PURE.items():
        found = sorted(str(path) for pattern in patterns for path in ROOT.glob(pattern))
        if not found:
            missing.append(f"{group} ({', '.join(patterns)})")
        files += found
    if missing:
        sys.exit(f"no file matches the pure group(s) {'; '.join(missing)}: moved? update PURE in {__file__}")
    return files


def main() -> None:
    """Print the pure modules' coverage and exit non-zero below 100% of their lines."""
    data = coverage.Coverage(data_file=str(ROOT / ".coverage"), config_file=str(ROOT / "pyproject.toml"))
    data.load()
    print("== coverage of the pure modules (100% of lines required)")
    try:
        total = data.report(include=pure_files(), show_missing=True, skip_covered=False)
    except coverage.exceptions.NoDataError:
        sys.exit("no coverage data for the pure modules: run the suite with --cov first (make test does)")
    if total < 100:
        sys.exit(f"the pure modules are at {total:.2f}% of their lines, not 100%: test the lines listed above")


if __name__ == "__main__":
    main()
