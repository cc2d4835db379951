"""Closing a month and writing into it serialize (issue 13, finding 4): no write commits after the close.

Each round closes a month while two writers record hours in it, each on its
own connection. The close reads the month's entries inside its transaction,
after its own work: every write that commits must be among them (it
committed before the close, which counted it), and every other write must be
refused by the closed-period rule. Before the fix a write that had checked
the month while it was still open committed after the close, with a 201.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal
from functools import partial

import pytest
from django.db import transaction

from billing.models import Period
from billing.services import period_close
from engagements.models import TimeEntry
from engagements.services.entries import time_entry_create
from kernel.months import add_months, last_day_of
from reports.hooks import recompute_deferred
from tests.factories import ContractorFactory, EngagementFactory
from tests.races import at_once, refused, skip_unless_postgresql

pytestmark = [pytest.mark.django_db(transaction=True)]

ROUNDS = 50
FIRST = dt.date(2021, 1, 1)
HOLD = 0.02


def test_a_write_racing_a_close_commits_before_it_or_is_refused(superuser) -> None:
    skip_unless_postgresql()
    with recompute_deferred():  # no in-process recompute of five years of months
        engagement = EngagementFactory(start_date=FIRST)
        writers = [ContractorFactory(engagement=engagement) for _ in range(2)]
    outcomes = {"written": 0, "refused": 0}

    def write(contractor, month: dt.date) -> int:
        with transaction.atomic():
            entry = time_entry_create(contractor=contractor, date=month + dt.timedelta(days=9), hours=Decimal(1))
            time.sleep(HOLD)  # a longer transaction: the gap between the check and the commit
        return entry.pk

    # How long a write takes here: the close starts anywhere from before the writes to after them.
    at_once(lambda: write(writers[0], add_months(FIRST, ROUNDS)))  # the first write looks up more
    started = time.perf_counter()
    at_once(lambda: write(writers[1], add_months(FIRST, ROUNDS)))
    spread = time.perf_counter() - started

    def close(month: dt.date) -> set[int]:
        with transaction.atomic():
            time.sleep(random.uniform(0, spread))
            period_close(month=month, user=superuser)
            # What the close saw, from inside its own transaction.
            return set(TimeEntry.objects.filter(date__range=(month, last_day_of(month))).values_list("pk", flat=True))

    for round_ in range(ROUNDS):
        month = add_months(FIRST, round_)
        first, second, seen = at_once(
            partial(write, writers[0], month), partial(write, writers[1], month), partial(close, month)
        )
        assert isinstance(seen, set), f"round {round_}: the close failed: {seen!r}"
        assert Period.objects.get(month=month).closed
        for result in (first, second):
            if isinstance(result, int):
                assert result in seen, f"round {round_}: entry {result} committed into {month:%B %Y} after its close"
                outcomes["written"] += 1
            else:
                assert refused(result), f"round {round_}: {result!r}"
                assert "is closed" in str(result)
                outcomes["refused"] += 1
        committed = set(TimeEntry.objects.filter(date__range=(month, last_day_of(month))).values_list("pk", flat=True))
        assert committed == seen, f"round {round_}: the month changed after its close"

    # Both orders happened, or the race was not run at all.
    assert outcomes["written"] and outcomes["refused"], outcomes
