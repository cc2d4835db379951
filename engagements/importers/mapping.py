"""What every kind's mapper returns, and how names are compared."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from kernel.batches import RowProblem


def norm(text: str | None) -> str:
    """Return a name for matching: whitespace collapsed, case folded."""
    return " ".join((text or "").split()).casefold()


@dataclass
class Mapped:
    """Records turned into rows to write, the rows refused, and the names that matched nothing."""

    items: list[tuple[int, Any]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    unmatched: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    warnings: list[str] = field(default_factory=list)
