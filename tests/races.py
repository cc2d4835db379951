"""Run writes at the same time, each on its own database connection, for the race tests on PostgreSQL."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from reports.hooks import recompute_deferred

POSTGRESQL_ONLY = (
    "a race needs two connections at once on one database: PostgreSQL (set DATABASE_URL, as CI's "
    "PostgreSQL stage does). SQLite runs one write transaction at a time (transaction_mode IMMEDIATE, "
    "tests/test_sqlite_concurrency.py)"
)


def skip_unless_postgresql() -> None:
    """Skip the calling test on SQLite (the test database pytest-django made is in memory, one connection)."""
    if connection.vendor != "postgresql":
        pytest.skip(POSTGRESQL_ONLY)


def refused(exc: BaseException) -> bool:
    """Return whether an outcome is a refusal by a rule (a ValidationError), not a crash."""
    return isinstance(exc, ValidationError)


def jitter(seconds: float = 0.01) -> None:
    """Sleep a random moment, so the rounds of a race try different interleavings."""
    time.sleep(random.uniform(0, seconds))


class HeadStart:
    """Delays for the two sides of a race, moved round by round towards the point where they overlap.

    The side that won a round starts the next one `step` later. On a loaded
    machine one side's queries can outrun the other's every round (a CI run
    saw the entry win 50 rounds in 50), and a race test must try both orders.
    """

    def __init__(self, step: float = 0.005) -> None:
        self.step, self.lead = step, 0.0  # lead > 0: the first side starts later; < 0: the second does

    def delays(self) -> tuple[float, float]:
        """Return how long each side waits before it starts."""
        return max(self.lead, 0.0), max(-self.lead, 0.0)

    def won(self, *, first: bool) -> None:
        """Record which side won the round."""
        self.lead += self.step if first else -self.step


def at_once(*calls: Callable[[], Any], timeout: float = 30) -> list[Any]:
    """Run the calls in threads released together; return each one's result or the exception it raised.

    Each thread opens its own connection (Django's connections are per thread)
    and closes it at the end, so no connection outlives the round. The
    recompute a write asks for after its commit (in-process in tests) is left
    out: the race is the write's, and a round stays short.
    """
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            start.wait()
            with recompute_deferred():
                results[i] = call()
        except BaseException as exc:  # noqa: BLE001 -- handed back to the test, which asserts on it
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a racing write did not finish: a deadlock?"
    return results
