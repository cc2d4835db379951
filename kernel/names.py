"""How names typed by people are compared: whitespace collapsed, case folded."""

from __future__ import annotations


def name_key(text: str | None) -> str:
    """Return a name as it is matched: runs of whitespace collapsed to one space, case folded."""
    return " ".join((text or "").split()).casefold()
