"""A guards_run_once() scope trusts a check only while the savepoints it was made under are open.

Billing's guard holds a shared lock on the month until the transaction ends;
rolling back a savepoint taken before the check lets that lock go (PostgreSQL
does), so the next write into the month in the same scope must check again.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from engagements.models import TimeEntry
from kernel import facts

pytestmark = pytest.mark.django_db

KEY = (1, dt.date(2026, 4, 1))


@pytest.fixture
def calls(monkeypatch) -> list[set]:
    seen: list[set] = []
    monkeypatch.setattr(facts, "_guards", [lambda model, keys: seen.append(set(keys))])
    return seen


def test_a_month_checked_in_the_scope_is_not_checked_again(calls) -> None:
    with facts.guards_run_once():
        TimeEntry.check_guards([KEY])
        TimeEntry.check_guards([KEY])
        with transaction.atomic():
            TimeEntry.check_guards([KEY])  # deeper, under the first check: still held
    assert calls == [{KEY}]


def test_a_check_undone_by_a_savepoint_rollback_is_made_again(calls) -> None:
    with facts.guards_run_once():
        with pytest.raises(RuntimeError), transaction.atomic():
            TimeEntry.check_guards([KEY])
            raise RuntimeError("the row failed after its check")
        TimeEntry.check_guards([KEY])
    assert calls == [{KEY}, {KEY}]
