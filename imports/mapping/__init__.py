"""Mappers: parsed records turned into rows of the owning apps, names matched to contractors, engagements, services.

One module per kind (timesheets, tickets, outages); each mapper returns a
`Mapped`, whose items the kind's writer (an ingest service of the owning app)
stores. Names are compared with kernel.names.name_key.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from kernel.batches import RowProblem


@dataclass
class Mapped:
    """Records turned into rows to write, the rows refused, and the names that matched nothing."""

    items: list[tuple[int, Any]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    unmatched: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    defaulted: set[str] = field(default_factory=set)  # names that matched no engagement and went to the upload's
    warnings: list[str] = field(default_factory=list)
    moved: dict[int, tuple[str, str]] = field(default_factory=dict)  # row -> (engagement it leaves, goes to)


def defaulted_warning(what: str, engagement: object, names: set[str]) -> list[str]:
    """The note listing names that matched no engagement and went to the upload's engagement."""
    return [f"{what} went to {engagement}: {', '.join(sorted(names))}."] if names else []


# The end of the refusal of a row stored under another engagement. It names no front end: the
# report is the same on every path; each names its own option where it shows the message.
MOVE_HINT = "import it under that engagement, or allow moving it"
MOVE_OPTION_COMMAND = "--move"
MOVE_OPTION_API = "send move=true"
MOVE_OPTION_WIZARD = 'tick "Move rows already stored under another engagement to this one" and preview again'


def move_hint_naming(message: str, option: str) -> str:
    """Return a refusal with the front end's move option named after the hint (other messages unchanged)."""
    return message.replace(MOVE_HINT, f"{MOVE_HINT} ({option})")
