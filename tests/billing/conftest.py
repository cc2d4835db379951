"""Billing fixtures: the organisation's zone of domain.md and the worked example, set up through services."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.months import zone
from reports.demo.worked_example import WorkedExample, build_worked_example

APRIL = dt.date(2026, 4, 1)
NEW_YORK = zone("America/New_York")


@pytest.fixture(autouse=True)
def organisation_in_new_york(settings):
    """domain.md's worked example runs in America/New_York."""
    settings.TIME_ZONE = "America/New_York"


def d(day: int, month: int = 4) -> dt.date:
    """Return a date of 2026 (April unless told)."""
    return dt.date(2026, month, day)


def local(day: int, hour: int, minute: int = 0, *, month: int = 4) -> dt.datetime:
    """Return a 2026 instant in New York (April unless told)."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def worked_example(db) -> WorkedExample:
    """domain.md's worked example, recorded by the one builder seed_demo uses too."""
    return build_worked_example()
