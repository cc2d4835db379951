"""An entry and a change of its engagement's dates serialize (issue 13, finding 5).

Each round records an entry on the 20th of March while another connection
ends the engagement on the 10th. One of the two must be refused: never an
entry after its engagement's end. Before the fix both committed now and then
(2 rounds in 70 through the API; more here, where the entry's transaction
stays open a moment after its insert).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal
from functools import partial

import pytest
from django.db import transaction

from engagements.models import Contractor, Engagement, OverheadEntry, TimeEntry
from engagements.services.engagements import engagement_update
from engagements.services.entries import overhead_entry_create, time_entry_create
from reports.hooks import recompute_deferred
from tests.factories import ContractorFactory, EngagementFactory, PersonFactory
from tests.races import HeadStart, at_once, refused, skip_unless_postgresql

pytestmark = [pytest.mark.django_db(transaction=True)]

ROUNDS = 50
START, ENTRY_DAY, NEW_END = dt.date(2026, 1, 1), dt.date(2026, 3, 20), dt.date(2026, 3, 10)
HOLD = 0.02


def _end(engagement_id: int, delay: float) -> Engagement:
    time.sleep(delay)
    with transaction.atomic():
        time.sleep(random.uniform(0, HOLD))
        engagement = engagement_update(engagement=Engagement.objects.get(pk=engagement_id), end_date=NEW_END)
        time.sleep(random.uniform(0, HOLD))
    return engagement


def _race(record, engagement_ids: list[int]) -> dict[str, int]:
    """Run the rounds (the winner of one starting the next a little later); return how often each side won."""
    wins = {"entry": 0, "end date": 0}
    head_start = HeadStart()
    for round_, engagement_id in enumerate(engagement_ids):
        entry_delay, end_delay = head_start.delays()
        entry, ended = at_once(partial(record, engagement_id, entry_delay), partial(_end, engagement_id, end_delay))
        entry_committed, end_committed = not isinstance(entry, BaseException), isinstance(ended, Engagement)
        assert not (entry_committed and end_committed), f"round {round_}: an entry after its engagement's end"
        for outcome in (entry, ended):
            assert not isinstance(outcome, BaseException) or refused(outcome), f"round {round_}: {outcome!r}"
        engagement = Engagement.objects.get(pk=engagement_id)
        assert engagement.end_date in (None, NEW_END)
        if engagement.end_date is not None:
            assert not TimeEntry.objects.filter(contractor__engagement=engagement, date__gt=NEW_END).exists()
            assert not OverheadEntry.objects.filter(engagement=engagement, date__gt=NEW_END).exists()
        wins["entry" if entry_committed else "end date"] += 1
        head_start.won(first=entry_committed)
    return wins


def test_a_time_entry_racing_the_end_of_its_engagement_never_both_commit() -> None:
    skip_unless_postgresql()
    with recompute_deferred():
        contractors = [ContractorFactory(engagement=EngagementFactory(start_date=START)) for _ in range(ROUNDS)]
    by_engagement = {c.engagement_id: c.pk for c in contractors}

    def record(engagement_id: int, delay: float) -> TimeEntry:
        time.sleep(delay)
        with transaction.atomic():
            time.sleep(random.uniform(0, HOLD))
            contractor = Contractor.objects.get(pk=by_engagement[engagement_id])
            entry = time_entry_create(contractor=contractor, date=ENTRY_DAY, hours=Decimal(8))
            time.sleep(HOLD)  # the gap between the insert's check and its commit
        return entry

    wins = _race(record, list(by_engagement))
    assert all(wins.values()), wins  # both orders happened


def test_an_overhead_entry_racing_the_end_of_its_engagement_never_both_commit() -> None:
    skip_unless_postgresql()
    with recompute_deferred():
        engagements = [EngagementFactory(start_date=START) for _ in range(ROUNDS)]
        person = PersonFactory()

    def record(engagement_id: int, delay: float) -> OverheadEntry:
        time.sleep(delay)
        with transaction.atomic():
            time.sleep(random.uniform(0, HOLD))
            entry = overhead_entry_create(
                engagement=Engagement.objects.get(pk=engagement_id),
                person=person,
                date=ENTRY_DAY,
                hours=Decimal(2),
                activity="supervision",
            )
            time.sleep(HOLD)
        return entry

    wins = _race(record, [e.pk for e in engagements])
    assert all(wins.values()), wins
